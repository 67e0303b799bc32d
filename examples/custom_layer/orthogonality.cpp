#include "orthogonality.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"

namespace custom {

template <class T>
loom::Tensor<T> Orthogonality::penalty(const loom::Tensor<T>& w) const {
  if (w.rank() != 2 || w.dim(0) != w.dim(1))
    throw loom::ShapeError("Orthogonality: expected a square matrix, received shape " + w.shape().str());
  auto eye = loom::Tensor<T>::zeros(w.shape());
  for (std::size_t i = 0; i < w.dim(0); ++i) eye.at({i, i}) = T(1);
  return loom::sum(loom::square(loom::matmul(loom::transpose(w), w) - eye)) * strength;
}

template loom::Tensor<float> Orthogonality::penalty(const loom::Tensor<float>&) const;
template loom::Tensor<double> Orthogonality::penalty(const loom::Tensor<double>&) const;

}  // namespace custom
