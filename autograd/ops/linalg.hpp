#pragma once
// Matrix products on the BLAS wrapper, and transposes.
#include <vector>

#include "core/tensor.hpp"

namespace loom {

// (m,k)@(k,n); (B,m,k)@(B,k,n) batched; (B,m,k)@(k,n) with the matrix shared by the batch.
template <class T> Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b);
// Swaps the last two axes.
template <class T> Tensor<T> transpose(const Tensor<T>& x);
// Permutes axes: output axis i is input axis perm[i].
template <class T> Tensor<T> transpose(const Tensor<T>& x, const std::vector<std::size_t>& perm);

#define LOOM_EXTERN_LINALG(T)                                                        \
  extern template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&);              \
  extern template Tensor<T> transpose(const Tensor<T>&);                             \
  extern template Tensor<T> transpose(const Tensor<T>&, const std::vector<std::size_t>&);
LOOM_EXTERN_LINALG(float)
LOOM_EXTERN_LINALG(double)
#undef LOOM_EXTERN_LINALG

}  // namespace loom
