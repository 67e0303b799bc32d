#pragma once
// Weight files: numpy .npz with one array per weight, keyed by the weight's Keras-style name
// ("<layer name>/<weight name>", e.g. "gru_cell/kernel"), so numpy.load reads them and they move
// between loom, Keras and PyTorch by name. Works on any layer, and so on any Model.
#include <map>
#include <string>

#include "core/tensor.hpp"
#include "layers/layer.hpp"

namespace loom {

// The layer's weights by name (copies). Throws ValueError when the layer is not built (it has no
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

// Atomic write (temp file, fsync, rename).
template <class T>
void save_weights(const Layer<T>& layer, const std::string& path);
// Reads and validates the whole file first (IOError for a missing, empty, truncated or foreign
// file), then assign_named_weights.
template <class T>
void load_weights(Layer<T>& layer, const std::string& path);

#define LOOM_EXTERN_WEIGHTS_IO(T)                                                                       \
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
