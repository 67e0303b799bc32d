#pragma once
// Sums and means over given axes (negative axes count from the end) or over everything.
#include <vector>

#include "core/tensor.hpp"

namespace loom {

template <class T> Tensor<T> sum(const Tensor<T>& x);  // rank 0
template <class T> Tensor<T> sum(const Tensor<T>& x, const std::vector<long>& axes, bool keepdims = false);
template <class T> Tensor<T> mean(const Tensor<T>& x);  // rank 0
template <class T> Tensor<T> mean(const Tensor<T>& x, const std::vector<long>& axes, bool keepdims = false);
// Largest element along one axis; the gradient goes to the first maximum.
template <class T> Tensor<T> max(const Tensor<T>& x, long axis, bool keepdims = false);

#define LOOM_EXTERN_REDUCE(T)                                                         \
  extern template Tensor<T> sum(const Tensor<T>&);                                    \
  extern template Tensor<T> sum(const Tensor<T>&, const std::vector<long>&, bool);    \
  extern template Tensor<T> mean(const Tensor<T>&);                                   \
  extern template Tensor<T> mean(const Tensor<T>&, const std::vector<long>&, bool);   \
  extern template Tensor<T> max(const Tensor<T>&, long, bool);
LOOM_EXTERN_REDUCE(float)
LOOM_EXTERN_REDUCE(double)
#undef LOOM_EXTERN_REDUCE

}  // namespace loom
