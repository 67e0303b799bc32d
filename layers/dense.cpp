#include "layers/dense.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "core/errors.hpp"
#include "core/config.hpp"
#include "layers/layer_config.hpp"

namespace loom {

template <class T>
Dense<T>::Dense(std::size_t units, DenseOptions options, int)
    : Layer<T>(options.name.empty() ? unique_layer_name("dense") : options.name),
      units_(units),
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
  c["units"] = units_;
  c["activation"] = config::activation(opt_.activation.ptr);
  c["use_bias"] = opt_.use_bias;
  c["kernel_initializer"] = config::initializer(opt_.kernel_initializer.ptr);
  c["bias_initializer"] = config::initializer(opt_.bias_initializer.ptr);
  c["kernel_regularizer"] = config::regularizer(opt_.kernel_regularizer.ptr);
  c["bias_regularizer"] = config::regularizer(opt_.bias_regularizer.ptr);
  c["activity_regularizer"] = nullptr;
  c["kernel_constraint"] = config::constraint(opt_.kernel_constraint.ptr);
  c["bias_constraint"] = config::constraint(opt_.bias_constraint.ptr);
  return c;
}

template <class T>
std::shared_ptr<Dense<T>> Dense<T>::from_config(const Config& c) {
  config::Reader r(c, "Dense");
  const auto base = config::read_layer_base<T>(r);
  const long long units = r.integer("units");
  DenseOptions o;
  o.name = base.name;
  config::read(r, "activation", o.activation);
  config::read(r, "use_bias", o.use_bias);
  config::read(r, "kernel_initializer", o.kernel_initializer);
  config::read(r, "bias_initializer", o.bias_initializer);
  config::read(r, "kernel_regularizer", o.kernel_regularizer);
  config::read(r, "bias_regularizer", o.bias_regularizer);
  config::read(r, "kernel_constraint", o.kernel_constraint);
  config::read(r, "bias_constraint", o.bias_constraint);
  r.unsupported("activity_regularizer", {nullptr});
  r.unsupported("lora_rank", {nullptr});
  r.finish();
  return config::finish_layer(std::make_shared<Dense<T>>(units, std::move(o)), base);
}

template class Dense<float>;
template class Dense<double>;

}  // namespace loom
