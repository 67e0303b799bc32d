#include "train/torch_weights.hpp"

#include "layers/torch_layout.hpp"
#include "train/io/npz.hpp"
#include "train/weights_io.hpp"

namespace loom {

namespace {

template <class T>
void flatten(const Layer<T>& layer, std::vector<const Layer<T>*>& out) {
  const auto inner = layer.sublayers();
  if (inner.empty()) out.push_back(&layer);
  for (const auto& l : inner) flatten(*l, out);
}

}  // namespace

template <class T>
std::vector<const Layer<T>*> torch_layers(const Layer<T>& layer) {
  std::vector<const Layer<T>*> out;
  flatten(layer, out);
  return out;
}

template <class T>
std::map<std::string, Tensor<T>> torch_named_weights(const Layer<T>& layer, const std::string& prefix) {
  auto keras = named_weights(layer);  // the not-built and duplicate-name checks come first
  return keras_to_torch(torch_cell_slots(torch_layers(layer)), keras, prefix);
}

template <class T>
void assign_torch_named_weights(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                                const std::string& what, const std::string& prefix) {
  named_weights(layer);
  const auto keras = torch_to_keras(torch_cell_slots(torch_layers<T>(layer)), arrays, what, prefix);
  assign_named_weights(layer, keras, what);
}

template <class T>
void save_weights(const Layer<T>& layer, const std::string& path, const WeightsFileOptions& options) {
  if (options.format == WeightsFormat::keras) return save_weights(layer, path);
  io::save_npz<T>(path, torch_named_weights(layer, options.torch_prefix));
}

template <class T>
void load_weights(Layer<T>& layer, const std::string& path, const WeightsFileOptions& options) {
  if (options.format == WeightsFormat::keras) return load_weights(layer, path);
  const auto arrays = io::load_npz<T>(path);
  assign_torch_named_weights(layer, arrays, "load_weights('" + path + "', torch)", options.torch_prefix);
}

#define LOOM_INSTANTIATE_TORCH_WEIGHTS(T)                                                                   \
  template std::vector<const Layer<T>*> torch_layers<T>(const Layer<T>&);                                  \
  template std::map<std::string, Tensor<T>> torch_named_weights<T>(const Layer<T>&, const std::string&);   \
  template void assign_torch_named_weights<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&,          \
                                              const std::string&, const std::string&);                     \
  template void save_weights<T>(const Layer<T>&, const std::string&, const WeightsFileOptions&);           \
  template void load_weights<T>(Layer<T>&, const std::string&, const WeightsFileOptions&);
LOOM_INSTANTIATE_TORCH_WEIGHTS(float)
LOOM_INSTANTIATE_TORCH_WEIGHTS(double)

}  // namespace loom
