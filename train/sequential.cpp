#include "train/sequential.hpp"

#include "core/errors.hpp"

namespace loom {

template <class T>
Sequential<T>::Sequential(std::string name)
    : Model<T>(name.empty() ? unique_layer_name("sequential") : std::move(name)) {}

template <class T>
Sequential<T>::Sequential(std::vector<std::shared_ptr<Layer<T>>> layers, std::string name)
    : Sequential(std::move(name)) {
  for (auto& l : layers) add(std::move(l));
}

template <class T>
void Sequential<T>::add(std::shared_ptr<Layer<T>> layer) {
  if (!layer)
    throw ValueError("Sequential '" + this->name() + "' add: layer expected a layer, received a null pointer");
  for (const auto& l : this->layers())
    if (l == layer)
      throw ValueError("Sequential '" + this->name() + "' add: layer expected a layer not yet in the model, "
                       "received '" + layer->name() + "' a second time");
  this->track(std::move(layer));
}

template <class T>
Tensor<T> Sequential<T>::call(const Tensor<T>& x, bool training) {
  if (this->layers().empty())
    throw ValueError("Sequential '" + this->name() + "': layers expected at least one, received an empty model "
                     "(add() layers first)");
  Tensor<T> h = x;
  CallContext<T> ctx;
  ctx.training = training;
  ctx.mask = this->input_mask();
  for (const auto& layer : this->layers()) {
    Tensor<T> y = (*layer)(h, ctx);
    ctx.mask = layer->compute_mask(h, ctx.mask);
    this->record_output_shape(layer.get(), y.shape());
    h = std::move(y);
  }
  this->set_output_mask(ctx.mask);
  return h;
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace loom
