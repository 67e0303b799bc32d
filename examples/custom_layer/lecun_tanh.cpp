#include "lecun_tanh.hpp"

#include <cmath>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace custom {

using loom::BackwardCtx;
using loom::Tensor;

template <class T>
Tensor<T> lecun_tanh(const Tensor<T>& x) {
  if (!x.defined()) throw loom::ValueError("lecun_tanh: argument 'x' expected a defined tensor, received an undefined one");
  constexpr T a = T(1.7159), b = T(2) / T(3);
  // Forward: plain loops over contiguous storage.
  auto y = Tensor<T>::empty(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) y.data()[i] = a * std::tanh(b * x.data()[i]);
  // Backward: only when a tape watches x. The closure keeps y (a handle, no copy), which is all
  // the derivative needs; x itself is not kept alive.
  if (loom::autograd::should_record<T>({&x})) {
    loom::autograd::record<T>("lecun_tanh", {&x}, {&y}, [y](BackwardCtx<T>& c) {
      const Tensor<T>& g = c.g();  // dLoss/dy, shaped like y
      auto gx = Tensor<T>::empty(g.shape());
      for (std::size_t i = 0; i < g.size(); ++i) {
        const T yi = y.data()[i];
        gx.data()[i] = g.data()[i] * b * (a - yi * yi / a);
      }
      c.grad_in[0] = std::move(gx);  // dLoss/dx; the tape adds it to x's gradient
    });
  }
  return y;
}

template Tensor<float> lecun_tanh(const Tensor<float>&);
template Tensor<double> lecun_tanh(const Tensor<double>&);

}  // namespace custom
