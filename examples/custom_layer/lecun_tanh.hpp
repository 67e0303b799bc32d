#pragma once
// A new differentiable op written outside the library: LeCun's scaled tanh,
//   y = 1.7159 * tanh(2x / 3),   dy/dx = (2/3) * (1.7159 - y^2 / 1.7159),
// which keeps unit-variance inputs at roughly unit variance (LeCun et al., "Efficient BackProp").
// docs/extending.md walks through it.
#include "core/tensor.hpp"

namespace custom {

template <class T>
loom::Tensor<T> lecun_tanh(const loom::Tensor<T>& x);

extern template loom::Tensor<float> lecun_tanh(const loom::Tensor<float>&);
extern template loom::Tensor<double> lecun_tanh(const loom::Tensor<double>&);

}  // namespace custom
