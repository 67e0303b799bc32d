#pragma once
// Elementwise math and activation ops. hard_sigmoid is tf.keras 2.x's clip(0.2x + 0.5, 0, 1).
#include "core/tensor.hpp"

namespace loom {

#define LOOM_UNARY_LIST(X) \
  X(neg) X(exp) X(log) X(sqrt) X(square) X(abs) X(sign) X(tanh) X(sigmoid) X(hard_sigmoid) \
  X(relu) X(selu) X(softplus) X(softsign) X(swish) X(relu6)

#define LOOM_DECLARE_UNARY(name) template <class T> Tensor<T> name(const Tensor<T>& x);
LOOM_UNARY_LIST(LOOM_DECLARE_UNARY)
#undef LOOM_DECLARE_UNARY

template <class T> Tensor<T> elu(const Tensor<T>& x, double alpha = 1.0);
template <class T> Tensor<T> leaky_relu(const Tensor<T>& x, double alpha = 0.2);
// x ** p for a constant exponent.
template <class T> Tensor<T> pow(const Tensor<T>& x, double p);
// Values clipped to [low, high]; the gradient is zero outside.
template <class T> Tensor<T> clip(const Tensor<T>& x, double low, double high);

template <class T> Tensor<T> operator-(const Tensor<T>& x) { return neg(x); }

#define LOOM_EXTERN_UNARY_T(name, T) extern template Tensor<T> name(const Tensor<T>&);
#define LOOM_EXTERN_UNARY(name) LOOM_EXTERN_UNARY_T(name, float) LOOM_EXTERN_UNARY_T(name, double)
LOOM_UNARY_LIST(LOOM_EXTERN_UNARY)
#undef LOOM_EXTERN_UNARY
#undef LOOM_EXTERN_UNARY_T
extern template Tensor<float> elu(const Tensor<float>&, double);
extern template Tensor<double> elu(const Tensor<double>&, double);
extern template Tensor<float> leaky_relu(const Tensor<float>&, double);
extern template Tensor<double> leaky_relu(const Tensor<double>&, double);
extern template Tensor<float> pow(const Tensor<float>&, double);
extern template Tensor<double> pow(const Tensor<double>&, double);
extern template Tensor<float> clip(const Tensor<float>&, double, double);
extern template Tensor<double> clip(const Tensor<double>&, double, double);

}  // namespace loom
