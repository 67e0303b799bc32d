#include "layers/dropout.hpp"

#include "autograd/ops/elementwise.hpp"
#include "core/errors.hpp"
#include "core/config.hpp"
#include "core/checks.hpp"
#include "layers/layer_config.hpp"

namespace loom {

// rate 1 would scale by 1/0; Keras's backends reject it at call time, loom at construction.
template <class T>
Dropout<T>::Dropout(double rate, DropoutOptions options)
    : Layer<T>(options.name.empty() ? unique_layer_name("dropout") : options.name),
      rate_(check::rate("Dropout", "rate", rate)),
      opt_(std::move(options)),
      gen_(opt_.seed.value_or(0)) {}

template <class T>
Tensor<T> Dropout<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  if (!ctx.training || rate_ == 0.0) return x;
  Generator& g = opt_.seed ? gen_ : default_generator();
  auto mask = Tensor<T>::empty(x.shape());
  const T keep = static_cast<T>(1.0 / (1.0 - rate_));
  T* m = mask.data();
  for (std::size_t i = 0, n = mask.size(); i < n; ++i) m[i] = g.bernoulli(rate_) ? T(0) : keep;
  return x * mask;
}

template <class T>
Config Dropout<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["rate"] = rate_;
  c["seed"] = opt_.seed ? Config(*opt_.seed) : Config(nullptr);
  c["noise_shape"] = nullptr;
  return c;
}

template <class T>
std::shared_ptr<Dropout<T>> Dropout<T>::from_config(const Config& c) {
  config::Reader r(c, "Dropout");
  const auto base = config::read_layer_base<T>(r);
  const double rate = r.number("rate");
  DropoutOptions o{.seed = r.seed("seed"), .name = base.name};
  r.unsupported("noise_shape", {nullptr});
  r.finish();
  return config::finish_layer(std::make_shared<Dropout<T>>(rate, std::move(o)), base);
}

template <class T>
std::map<std::string, Tensor<T>> Dropout<T>::extra_state() const {
  if (!opt_.seed) return {};
  return {{"generator", this->generator_state(gen_)}};
}

template <class T>
void Dropout<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  this->restore_generators(state, {{"generator", const_cast<Generator*>(&gen_)}}, false);
}

template <class T>
void Dropout<T>::set_extra_state(const std::map<std::string, Tensor<T>>& state) {
  this->restore_generators(state, {{"generator", &gen_}});
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace loom
