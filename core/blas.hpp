#pragma once
// The one BLAS entry point. It calls cblas directly: transpose flags instead of materialised
// transposes, and beta = 1 to accumulate in place (docs/design.md "Measured costs"). <cblas.h>
// clashes with xtensor-blas's headers, so it is included only in blas.cpp.
#include <cstddef>

namespace loom::blas {

// C(M,N) = alpha * op(A)(M,K) * op(B)(K,N) + beta * C, all row-major with leading dimensions.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

// Row-major contiguous convenience form: lda/ldb/ldc follow from the shapes.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, const T* b, T beta, T* c) {
  gemm<T>(trans_a, trans_b, m, n, k, alpha, a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}

// BLAS threads. loom defaults to 1: under load, two threads made a GRU step slower.
void set_num_threads(int n);
int num_threads();

}  // namespace loom::blas
