#include "layers/masking.hpp"

#include "autograd/ops/elementwise.hpp"
#include "core/errors.hpp"
#include "core/config.hpp"
#include "layers/layer_config.hpp"

namespace loom {

namespace {
// 1 where any feature of the step differs from `value`, else 0; shape x.shape[:-1] (+ a trailing
// 1 with keepdims, for broadcasting against x).
template <class T>
Tensor<T> any_not_equal(const Tensor<T>& x, double value, bool keepdims) {
  const std::size_t f = x.dim(-1);
  Shape s;
  for (std::size_t i = 0; i + 1 < x.rank(); ++i) s.push_back(x.shape()[i]);
  if (keepdims) s.push_back(1);
  auto m = Tensor<T>::empty(s);
  const T v = static_cast<T>(value);
  const T* p = x.data();
  T* q = m.data();
  for (std::size_t r = 0, n = m.size(); r < n; ++r) {
    bool any = false;
    for (std::size_t j = 0; j < f && !any; ++j) any = p[r * f + j] != v;
    q[r] = any ? T(1) : T(0);
  }
  return m;
}
}  // namespace

template <class T>
Masking<T>::Masking(double mask_value, MaskingOptions options)
    : Layer<T>(options.name.empty() ? unique_layer_name("masking") : options.name), mask_value_(mask_value) {}

template <class T>
void Masking<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  if (x.rank() < 2)
    throw ShapeError("Masking '" + this->name() + "': input expected rank >= 2 (batch, ..., features), "
                     "received shape " + x.shape().str());
}

template <class T>
Tensor<T> Masking<T>::call(const Tensor<T>& x, const CallContext<T>&) {
  return x * any_not_equal(x, mask_value_, true);
}

template <class T>
Tensor<T> Masking<T>::compute_mask(const Tensor<T>& x, const Tensor<T>&) const {
  check_input(x);
  return any_not_equal(x, mask_value_, false);
}

template <class T>
Config Masking<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["mask_value"] = mask_value_;
  return c;
}

template <class T>
std::shared_ptr<Masking<T>> Masking<T>::from_config(const Config& c) {
  config::Reader r(c, "Masking");
  const auto base = config::read_layer_base<T>(r);
  const double mask_value = r.number("mask_value", 0.0);
  r.finish();
  return config::finish_layer(std::make_shared<Masking<T>>(mask_value, MaskingOptions{.name = base.name}), base);
}

template class Masking<float>;
template class Masking<double>;

}  // namespace loom
