#pragma once
// Internal to the fused recurrent kernels (gru_kernels.cpp, gru_rows.hpp, lstm_kernels.cpp): the
// per-row elementwise work of the GRU and the LSTM written once over "lanes", which are an xsimd
// vector in float and a plain scalar in double. Float runs vectorised (activation error
// about 1e-7, docs/design.md "Measured costs"); double calls the exact std:: functions, so that double gradchecks and
// the double oracle comparisons hold. A row's last partial vector is loaded and stored with an AVX2
// mask instead of a scalar tail, so that every unit goes through the same code (a scalar tail with
// std::tanh would give units past the last full vector slightly different numbers) and tiny rows
// (units = 4) still take one vector operation each.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <xsimd/xsimd.hpp>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "autograd/ops/rnn_activation.hpp"

// This header is compiled for AVX2 (all of loom) and for AVX-512 (gru_rows_avx512.cpp, gru_isa.hpp).
// Its inline functions live in a namespace named after the instruction set, so that the linker
// never merges an AVX-512 copy with an AVX2 one and runs it on a CPU without AVX-512 (the ctest
// autograd.gru_isa_symbols checks the object file).
#if defined(__AVX512F__)
#define LOOM_RNN_ISA isa_avx512
#elif defined(__AVX2__)
#define LOOM_RNN_ISA isa_avx2
#else
#define LOOM_RNN_ISA isa_generic
#endif

namespace loom::rnn_kernel {
inline namespace LOOM_RNN_ISA {

// Whether step t of sample b is used (no mask: always).
template <class T>
inline bool used(const T* mask, std::size_t b, std::size_t Tn, std::size_t t) {
  return mask == nullptr || mask[b * Tn + t] != T(0);
}

// How many batch rows ahead the row passes prefetch, and the row that is, clamped to the step.
// (No std::min: a template the linker could merge across instruction sets.)
constexpr std::size_t kAhead = 2;
inline std::size_t ahead_row(std::size_t b, std::size_t B) {
  return b + kAhead < B ? b + kAhead : B - 1;
}

namespace lanes {

using VF = xsimd::batch<float>;

template <class T>
struct Full;
template <>
struct Full<double> {
  double ld(const double* p) const { return *p; }
  void st(double* p, double v) const { *p = v; }
};
template <>
struct Full<float> {
  VF ld(const float* p) const { return VF::load_unaligned(p); }
  void st(float* p, VF v) const { v.store_unaligned(p); }
};

// The first n lanes of a float vector (n < VF::size); the others read as zero and are not stored.
struct Tail {
  std::size_t n;
#if defined(__AVX512F__)
  __mmask16 m;
  explicit Tail(std::size_t n_) : n(n_), m(static_cast<__mmask16>((1u << n_) - 1u)) {}
  VF ld(const float* p) const { return VF(_mm512_maskz_loadu_ps(m, p)); }
  void st(float* p, VF v) const { _mm512_mask_storeu_ps(p, m, v); }
#elif defined(__AVX2__)
  __m256i m;
  explicit Tail(std::size_t n_) : n(n_) {
    alignas(32) int bits[8];
    for (std::size_t i = 0; i < 8; ++i) bits[i] = i < n ? -1 : 0;
    m = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
  }
  VF ld(const float* p) const { return VF(_mm256_maskload_ps(p, m)); }
  void st(float* p, VF v) const { _mm256_maskstore_ps(p, m, v); }
#else
  explicit Tail(std::size_t n_) : n(n_) {}
  VF ld(const float* p) const {
    alignas(64) float b[VF::size] = {};
    std::copy(p, p + n, b);
    return VF::load_aligned(b);
  }
  void st(float* p, VF v) const {
    alignas(64) float b[VF::size];
    v.store_aligned(b);
    std::copy(b, b + n, p);
  }
#endif
};

// Calls f(u, io) for each vector of a row of U units; io.ld(p + u) / io.st(p + u, v) read and
// write that vector of any row-like array.
template <class T, class F>
inline void each(std::size_t U, F&& f) {
  if constexpr (std::is_same_v<T, double>) {
    const Full<double> io;
    for (std::size_t u = 0; u < U; ++u) f(u, io);
  } else {
    constexpr std::size_t W = VF::size;
    const Full<float> io;
    std::size_t u = 0;
    for (; u + W <= U; u += W) f(u, io);
    if (u < U) f(u, Tail(U - u));
  }
}

// Requests the cache lines at p + u for each row pointer p (rw: 1 if the row will be written), to
// be called a few rows ahead of use. The rows a step touches were last used a whole step or more
// ago and are out of L2, and the hardware streamer restarts at every 4 KiB page, which at 256
// units is one gates row; requesting them two rows ahead took about 2-3% off the L training step
// at each of the forward's gates, the forward's outputs and the backward's gates
// (docs/benchmarks.md). Float only: the double path serves gradchecks.
template <class T, int rw, class... P>
inline void prefetch(std::size_t u, P... p) {
  if constexpr (std::is_same_v<T, float>) (__builtin_prefetch(p + u, rw, 3), ...);
}

// c[0] y^(N-1) + ... + c[N-1] by Horner's rule, one FMA per coefficient after the first.
template <std::size_t N>
inline VF horner(VF y, const float (&c)[N]) {
  VF p = xsimd::fma(y, VF(c[0]), VF(c[1]));
  for (std::size_t i = 2; i < N; ++i) p = xsimd::fma(y, p, VF(c[i]));
  return p;
}

inline double tanh_(double x) { return std::tanh(x); }
// Eigen's rational approximation of tanh in float (generic_fast_tanh_float), which is what
// TensorFlow's CPU kernels, and so Keras, compute: one division and no exp, where xsimd::tanh
// evaluates both an exp branch and a polynomial branch. Max abs error 3.4e-7 over [-12, 12]
// (1.5e-7 for |x| < 1); exact x below 4e-4 in magnitude.
inline VF tanh_(VF x) {
  // Constants first, so that NaN stays NaN (see sigmoid_).
  const VF xc = xsimd::min(VF(9.0f), xsimd::max(VF(-9.0f), x));
  const VF x2 = xc * xc;
  const VF p = horner(x2, {-2.76076847742355e-16f, 2.00018790482477e-13f, -8.60467152213735e-11f,
                           5.12229709037114e-08f, 1.48572235717979e-05f, 6.37261928875436e-04f,
                           4.89352455891786e-03f}) * xc;
  const VF q = horner(x2, {1.19825839466702e-06f, 1.18534705686654e-04f, 2.26843463243900e-03f,
                           4.89352518554385e-03f});
  return xsimd::select(xsimd::abs(x) < VF(0.0004f), x, p / q);
}
inline double sigmoid_(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// Eigen's rational approximation of the logistic function in float (scalar_logistic_op<float>),
// which is what TensorFlow's CPU sigmoid, and so Keras, computes: 10 FMAs and one division instead
// of an exp; the forward row pass with it took 22% less time than with 1 / (1 + xsimd::exp(-x))
// (rows of 128 units, 50 steps of 64 rows). Its error is absolute, about 1.8e-7: relative to
// small results (x in [-9, 0)) it reaches about 8e-4, as in TensorFlow. Below -9, where that would
// grow, Eigen switches to exp, and so does this, only when some lane is that low.
inline VF sigmoid_(VF x) {
  const auto low = x < VF(-9.0f);
  // The smallest x at which the approximation reaches 1 (with FMA): no clamp of the result. The
  // constant goes first: minps returns its second operand when either is NaN, so NaN stays NaN.
  const VF xc = xsimd::min(VF(15.7243833541870117f), x);
  const VF x2 = xc * xc;
  const VF p = horner(x2, {4.37031012579801e-11f, 1.15627324459942e-07f, 6.08574864600143e-05f,
                           8.51377133304701e-03f, 2.48287947061529e-01f}) * xc;
  const VF q = horner(x2, {6.10247389755681e-13f, 5.76102136993427e-09f, 6.29106785017040e-06f,
                           1.70198817374094e-03f, 1.16817656904453e-01f, 9.93151921023180e-01f});
  const VF s = p / q + VF(0.5f);
  if (xsimd::any(low)) return xsimd::select(low, VF(1.0f) / (VF(1.0f) + xsimd::exp(-x)), s);
  return s;
}
inline double min_(double a, double b) { return std::min(a, b); }
// The float forms return a when either operand is NaN, as std::min / std::max do, so that a NaN
// input stays NaN (minps / maxps return their second operand then).
inline VF min_(VF a, VF b) { return xsimd::min(b, a); }
inline double max_(double a, double b) { return std::max(a, b); }
inline VF max_(VF a, VF b) { return xsimd::max(b, a); }
inline double positive_(double y, double a) { return y > 0.0 ? a : 0.0; }
inline VF positive_(VF y, VF a) { return xsimd::select(y > VF(0.0f), a, VF(0.0f)); }
inline double inside01_(double y, double a) { return (y > 0.0 && y < 1.0) ? a : 0.0; }
inline VF inside01_(VF y, VF a) {
  return xsimd::select((y > VF(0.0f)) & (y < VF(1.0f)), a, VF(0.0f));
}

template <class V>
struct Scalar {
  using type = float;
};
template <>
struct Scalar<double> {
  using type = double;
};

template <RnnActivation A, class V>
inline V act(V x) {
  using S = typename Scalar<V>::type;
  if constexpr (A == RnnActivation::tanh) return tanh_(x);
  else if constexpr (A == RnnActivation::sigmoid) return sigmoid_(x);
  else if constexpr (A == RnnActivation::hard_sigmoid)
    return min_(max_(V(S(0.2)) * x + V(S(0.5)), V(S(0))), V(S(1)));
  else if constexpr (A == RnnActivation::relu) return max_(x, V(S(0)));
  else return x;
}

// The activation's derivative written in terms of its output y = act(x).
template <RnnActivation A, class V>
inline V dact(V y) {
  using S = typename Scalar<V>::type;
  if constexpr (A == RnnActivation::tanh) return V(S(1)) - y * y;
  else if constexpr (A == RnnActivation::sigmoid) return y * (V(S(1)) - y);
  else if constexpr (A == RnnActivation::hard_sigmoid) return inside01_(y, V(S(0.2)));
  else if constexpr (A == RnnActivation::relu) return positive_(y, V(S(1)));
  else return V(S(1));
}

}  // namespace lanes
}  // namespace LOOM_RNN_ISA
}  // namespace loom::rnn_kernel
