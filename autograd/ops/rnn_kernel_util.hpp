#pragma once
// Internal to the fused recurrent kernels (gru_kernels.cpp, lstm_kernels.cpp): the activation
// dispatch to compile-time lanes code, the GEMM shorthand and small row helpers they share.
#include <cstddef>
#include <type_traits>
#include <vector>

#include "autograd/ops/rnn_activation.hpp"
#include "core/blas.hpp"
#include "core/tensor.hpp"

namespace loom::rnn_kernel {

using A_ = RnnActivation;
template <A_ a>
using Act = std::integral_constant<A_, a>;

// Calls f(Act<a>{}) so that the row code is compiled, and inlined, per activation.
template <class F>
void with_act(A_ a, F&& f) {
  switch (a) {
    case A_::linear: f(Act<A_::linear>{}); break;
    case A_::tanh: f(Act<A_::tanh>{}); break;
    case A_::sigmoid: f(Act<A_::sigmoid>{}); break;
    case A_::hard_sigmoid: f(Act<A_::hard_sigmoid>{}); break;
    case A_::relu: f(Act<A_::relu>{}); break;
  }
}
template <class F>
void with_acts(A_ a, A_ ra, F&& f) {
  with_act(a, [&](auto A) { with_act(ra, [&](auto RA) { f(A, RA); }); });
}

// C = A.B (+ beta C), row-major, alpha 1.
template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  blas::gemm<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, beta, c, ldc);
}

// Gate g's dropout mask: none, one shared by every gate, or one per gate.
template <class T>
const T* mask_of(const std::vector<Tensor<T>>& masks, std::size_t g) {
  if (masks.empty()) return nullptr;
  return masks[masks.size() == 1 ? 0 : g].data();
}

template <class T>
void multiply(T* __restrict out, const T* __restrict a, const T* __restrict b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

template <class T>
void add_column_sums(const T* a, std::size_t rows, std::size_t cols, T* __restrict out) {
  for (std::size_t i = 0; i < rows; ++i) {
    const T* __restrict row = a + i * cols;
    for (std::size_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

// How many timesteps make one chunk (gru_chunk_steps in gru_kernels.hpp says why): about 1 MiB of
// gates rows, step_bytes per step.
inline std::size_t chunk_steps_for(std::size_t step_bytes, std::size_t Tn) {
  constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  const std::size_t n = kChunkBytes / (step_bytes > 0 ? step_bytes : 1);
  const std::size_t most = Tn > 0 ? Tn : 1;
  return n < 1 ? 1 : n > most ? most : n;
}

// The input times of processing steps [s0, s1), a contiguous range [t0, t0 + n).
inline std::size_t first_time(std::size_t s0, std::size_t s1, std::size_t Tn, bool go_backwards) {
  return go_backwards ? Tn - s1 : s0;
}

}  // namespace loom::rnn_kernel
