#pragma once
// Weight files in PyTorch's keys and layout, next to the Keras-keyed ones of weights_io.hpp. The
// recurrent layers of a model (RNN, Bidirectional, over GRU, LSTM or SimpleRNN cells) are written
// as the layers of one torch.nn.GRU / LSTM / RNN ("weight_ih_l0", "weight_hh_l0_reverse", ...,
// layout in layers/torch_layout.hpp); every other weight keeps its Keras name. Such a file is
// what tools/torch_export.py makes from a state_dict, and tools/torch_import.py turns back into one.
//
//   loom::save_weights(model, "w.npz", {.format = loom::WeightsFormat::torch});
//   model.load_weights("exported.npz", {.format = loom::WeightsFormat::torch, .torch_prefix = "rnn."});
#include <map>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "layers/layer.hpp"

namespace loom {

enum class WeightsFormat {
  keras,  // "<layer name>/<weight name>" keys, Keras shapes (weights_io.hpp)
  torch,  // the recurrent cells in torch.nn.GRU/LSTM/RNN keys and shapes, the rest as keras
};

struct WeightsFileOptions {
  WeightsFormat format = WeightsFormat::keras;
  // torch format: in front of every torch key, e.g. "rnn." when the torch module is the attribute
  // `rnn` of the module whose state_dict was exported. Ignored for keras.
  std::string torch_prefix;
};

// The layers whose recurrent cells make up the torch module: a Model's tracked layers in order
// (nested models flattened), or the layer itself when it is not a Model.
template <class T>
std::vector<const Layer<T>*> torch_layers(const Layer<T>& layer);

// named_weights with the recurrent cells in torch's keys and layout. Throws as torch_cell_slots
// does when the model's cells have no single torch module (e.g. reset_after=False).
template <class T>
std::map<std::string, Tensor<T>> torch_named_weights(const Layer<T>& layer, const std::string& prefix = "");

// assign_named_weights from a torch-keyed map, validating everything before changing anything.
template <class T>
void assign_torch_named_weights(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                                const std::string& what, const std::string& prefix = "");

// save_weights / load_weights (weights_io.hpp) with a choice of format; keras is the same as the
// two-argument forms.
template <class T>
void save_weights(const Layer<T>& layer, const std::string& path, const WeightsFileOptions& options);
template <class T>
void load_weights(Layer<T>& layer, const std::string& path, const WeightsFileOptions& options);

#define LOOM_EXTERN_TORCH_WEIGHTS(T)                                                                          \
  extern template std::vector<const Layer<T>*> torch_layers<T>(const Layer<T>&);                             \
  extern template std::map<std::string, Tensor<T>> torch_named_weights<T>(const Layer<T>&, const std::string&); \
  extern template void assign_torch_named_weights<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&,     \
                                                     const std::string&, const std::string&);                \
  extern template void save_weights<T>(const Layer<T>&, const std::string&, const WeightsFileOptions&);      \
  extern template void load_weights<T>(Layer<T>&, const std::string&, const WeightsFileOptions&);
LOOM_EXTERN_TORCH_WEIGHTS(float)
LOOM_EXTERN_TORCH_WEIGHTS(double)
#undef LOOM_EXTERN_TORCH_WEIGHTS

}  // namespace loom
