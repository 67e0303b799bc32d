#include "layers/dense.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "core/errors.hpp"
#include "layers/config_util.hpp"

namespace loom {

namespace {
std::size_t positive_units(long units) {
  if (units <= 0)
    throw ValueError("Dense: argument 'units' expected a positive integer, received " +
                     std::to_string(units));
  return static_cast<std::size_t>(units);
}
}  // namespace

template <class T>
Dense<T>::Dense(long units, DenseOptions options)
    : Layer<T>(options.name.empty() ? unique_layer_name("dense") : options.name),
      units_(positive_units(units)),
      opt_(std::move(options)) {}

template <class T>
void Dense<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  if (x.rank() < 2)
    throw ShapeError("Dense '" + this->name() + "': input expected rank >= 2 (batch, ..., features), "
                     "received shape " + x.shape().str());
}

template <class T>
void Dense<T>::build(const Shape& input_shape) {
  const std::size_t in = input_shape.dim(-1);
  kernel_ = this->add_weight("kernel", Shape{in, units_}, opt_.kernel_initializer.ptr,
                             opt_.kernel_regularizer.ptr, opt_.kernel_constraint.ptr);
  if (opt_.use_bias)
    bias_ = this->add_weight("bias", Shape{units_}, opt_.bias_initializer.ptr, opt_.bias_regularizer.ptr,
                             opt_.bias_constraint.ptr);
  Layer<T>::build(input_shape);
}

template <class T>
Tensor<T> Dense<T>::call(const Tensor<T>& x, const CallContext<T>&) {
  Tensor<T> y;
  if (x.rank() <= 3) {
    y = matmul(x, kernel_.value());
  } else {
    // matmul takes at most one batch axis: fold the leading ones and unfold after.
    std::vector<long> out_shape(x.shape().begin(), x.shape().end());
    out_shape.back() = static_cast<long>(units_);
    y = reshape(matmul(reshape(x, {-1, static_cast<long>(x.dim(-1))}), kernel_.value()), out_shape);
  }
  if (opt_.use_bias) y = y + bias_.value();
  return (*opt_.activation.ptr)(y);
}

template <class T>
Config Dense<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["units"] = std::to_string(units_);
  c["activation"] = opt_.activation.ptr->name();
  c["use_bias"] = config::boolean(opt_.use_bias);
  c["kernel_initializer"] = config::object(opt_.kernel_initializer.ptr);
  c["bias_initializer"] = config::object(opt_.bias_initializer.ptr);
  c["kernel_regularizer"] = config::object(opt_.kernel_regularizer.ptr);
  c["bias_regularizer"] = config::object(opt_.bias_regularizer.ptr);
  c["kernel_constraint"] = config::object(opt_.kernel_constraint.ptr);
  c["bias_constraint"] = config::object(opt_.bias_constraint.ptr);
  return c;
}

template class Dense<float>;
template class Dense<double>;

}  // namespace loom
