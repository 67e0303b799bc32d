#include "layers/dropout.hpp"

#include "autograd/ops/elementwise.hpp"
#include "core/errors.hpp"
#include "layers/config_util.hpp"

namespace loom {

template <class T>
Dropout<T>::Dropout(double rate, std::optional<std::uint64_t> seed, std::string name)
    : Layer<T>(name.empty() ? unique_layer_name("dropout") : std::move(name)),
      rate_(rate),
      seed_(seed),
      gen_(seed.value_or(0)) {
  // rate 1 would scale by 1/0; Keras's backends reject it at call time, loom at construction.
  if (!(rate >= 0.0 && rate < 1.0))
    throw ValueError("Dropout: argument 'rate' expected a value in [0, 1), received " +
                     config::number(rate));
}

template <class T>
Tensor<T> Dropout<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  if (!ctx.training || rate_ == 0.0) return x;
  Generator& g = seed_ ? gen_ : default_generator();
  auto mask = Tensor<T>::empty(x.shape());
  const T keep = static_cast<T>(1.0 / (1.0 - rate_));
  T* m = mask.data();
  for (std::size_t i = 0, n = mask.size(); i < n; ++i) m[i] = g.bernoulli(rate_) ? T(0) : keep;
  return x * mask;
}

template <class T>
Config Dropout<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["rate"] = config::number(rate_);
  c["seed"] = seed_ ? std::to_string(*seed_) : "None";
  c["noise_shape"] = "None";
  return c;
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace loom
