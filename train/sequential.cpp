#include "train/sequential.hpp"

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"

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
Config Sequential<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["layers"] = Config::array();
  for (const auto& l : this->layers()) c["layers"].push_back(serialize<Layer<T>>(*l));
  // Keras writes the batch axis as null: the shape describes one sample's dimensions.
  if (this->built() && this->build_input_shape().rank() > 0) {
    Config shape = Config::array({nullptr});
    for (std::size_t i = 1; i < this->build_input_shape().rank(); ++i) shape.push_back(this->build_input_shape()[i]);
    c["build_input_shape"] = shape;
  }
  return c;
}

template <class T>
std::shared_ptr<Sequential<T>> Sequential<T>::from_config(const Config& c) {
  config::Reader r(c, "Sequential");
  const auto base = config::read_layer_base<T>(r);
  const Config* list = r.raw("layers");
  const Config* shape = r.raw("build_input_shape");
  r.finish();
  if (list && !list->is_array())
    throw ValueError("Sequential: config field 'layers' expected a list of layers, received " + config::brief(*list));
  auto model = std::make_shared<Sequential<T>>(base.name);
  if (list)
    for (const auto& l : *list) model->add(loom::from_config<Layer<T>>(l));
  if (shape && !shape->is_null()) {
    Shape s;
    if (!shape->is_array() || shape->empty())
      throw ValueError("Sequential: config field 'build_input_shape' expected a list of dimensions, received " +
                       config::brief(*shape));
    for (std::size_t i = 0; i < shape->size(); ++i) {
      const Config& d = (*shape)[i];
      if (i == 0 && d.is_null()) s.push_back(1);  // any batch size builds the same weights
      else if (d.is_number_unsigned() && d.get<std::size_t>() > 0) s.push_back(d.get<std::size_t>());
      else
        throw ValueError("Sequential: config field 'build_input_shape' expected positive dimensions (null for the "
                         "batch), received " + config::brief(*shape));
    }
    model->build(s);
  }
  return config::finish_layer(std::move(model), base);
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
