#include "core/blas.hpp"

#include <cblas.h>

#include <string>

#include "core/errors.hpp"

extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
}

namespace loom::blas {
namespace {
// One BLAS thread unless the user asks for more (see set_num_threads).
const bool g_threads_initialised = [] {
  openblas_set_num_threads(1);
  return true;
}();

int as_int(std::size_t v, const char* what) {
  if (v > static_cast<std::size_t>(2147483647))
    throw ValueError(std::string("blas::gemm: ") + what + " expected < 2^31, received " +
                     std::to_string(v));
  return static_cast<int>(v);
}
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                 const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                 float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              as_int(m, "m"), as_int(n, "n"), as_int(k, "k"), alpha, a,
              as_int(lda ? lda : 1, "lda"), b, as_int(ldb ? ldb : 1, "ldb"), beta, c,
              as_int(ldc, "ldc"));
}

template <>
void gemm<double>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                  const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta,
                  double* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              as_int(m, "m"), as_int(n, "n"), as_int(k, "k"), alpha, a,
              as_int(lda ? lda : 1, "lda"), b, as_int(ldb ? ldb : 1, "ldb"), beta, c,
              as_int(ldc, "ldc"));
}

void set_num_threads(int n) {
  if (n < 1)
    throw ValueError("blas::set_num_threads: n expected >= 1, received " + std::to_string(n));
  (void)g_threads_initialised;
  openblas_set_num_threads(n);
}

int num_threads() {
  (void)g_threads_initialised;
  return openblas_get_num_threads();
}

}  // namespace loom::blas
