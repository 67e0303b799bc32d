#pragma once
// Weight files: numpy .npz with one array per weight, keyed by the weight's structural path
// (layers/weight_paths.hpp: "sequential/gru/gru_cell/kernel"), so that numpy.load reads them and two
// instances of one architecture exchange them whatever their layer names. Files of loom 0.1, keyed
// by "<unique layer name>/<weight name>", still load (train/weight_keys.hpp). Works on any layer,
// and so on any Model.
#include <map>
#include <string>

#include "core/tensor.hpp"
#include "layers/layer.hpp"

namespace loom {

// The layer's weights by path (copies), as save_weights writes them. Throws ValueError when the
// layer is not built.
template <class T>
std::map<std::string, Tensor<T>> path_weights(const Layer<T>& layer);

// The arrays of a weight file keyed by path: old keys mapped (train/weight_keys.hpp), then checked
// to be exactly the layer's weights with their shapes. A missing or extra key throws IOError naming
// it and `what` (the file), a wrong shape ShapeError naming the weight and both shapes.
template <class T>
std::map<std::string, Tensor<T>> check_weight_file(const Layer<T>& layer,
                                                   const std::map<std::string, Tensor<T>>& arrays,
                                                   const std::string& what);
// check_weight_file, and only then assigns every weight: nothing changes on error.
template <class T>
void assign_weight_file(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays, const std::string& what);

// The layer's weights by variable name ("<layer name>/<weight name>"): the keys of loom 0.1's files,
// and of the PyTorch format's non-recurrent weights (train/torch_weights.hpp). Copies. Throws ValueError when the layer is not built (it has no
// weights yet) or two weights share a name.
template <class T>
std::map<std::string, Tensor<T>> named_weights(const Layer<T>& layer);

// Throws as assign_named_weights would, changing nothing.
template <class T>
void check_named_weights(const Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                         const std::string& what);

// Checks that `arrays` holds exactly the layer's weights (by name) with their shapes, and only
// then assigns them all: a missing or extra name throws IOError naming it and `what` (the file),
// a wrong shape ShapeError naming the weight, both shapes and `what`. Nothing changes on error.
template <class T>
void assign_named_weights(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                          const std::string& what);

// Atomic write (temp file, fsync, rename), keyed by path.
template <class T>
void save_weights(const Layer<T>& layer, const std::string& path);
// Reads and validates the whole file first (IOError for a missing, empty, truncated or foreign
// file), then assign_weight_file. The file is an .npz or a model file written by model.save, whose
// weights it takes (as Keras's load_weights takes a .keras file).
template <class T>
void load_weights(Layer<T>& layer, const std::string& path);

#define LOOM_EXTERN_WEIGHTS_IO(T)                                                                       \
  extern template std::map<std::string, Tensor<T>> path_weights<T>(const Layer<T>&);                   \
  extern template std::map<std::string, Tensor<T>> check_weight_file<T>(                               \
      const Layer<T>&, const std::map<std::string, Tensor<T>>&, const std::string&);                   \
  extern template void assign_weight_file<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&,       \
                                             const std::string&);                                      \
  extern template std::map<std::string, Tensor<T>> named_weights<T>(const Layer<T>&);                  \
  extern template void check_named_weights<T>(const Layer<T>&, const std::map<std::string, Tensor<T>>&, \
                                              const std::string&);                                     \
  extern template void assign_named_weights<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&,     \
                                               const std::string&);                                    \
  extern template void save_weights<T>(const Layer<T>&, const std::string&);                           \
  extern template void load_weights<T>(Layer<T>&, const std::string&);
LOOM_EXTERN_WEIGHTS_IO(float)
LOOM_EXTERN_WEIGHTS_IO(double)
#undef LOOM_EXTERN_WEIGHTS_IO

}  // namespace loom
