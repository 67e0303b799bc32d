#include "autograd/ops/fast_math.hpp"

#include <algorithm>
#include <cmath>
#include <xsimd/xsimd.hpp>

namespace loom::fast {
namespace {

using VF = xsimd::batch<float>;
constexpr std::size_t kW = VF::size;

inline VF sigmoid_v(VF x) { return VF(1.0f) / (VF(1.0f) + xsimd::exp(-x)); }
inline VF hard_sigmoid_v(VF x) {
  return xsimd::min(xsimd::max(VF(0.2f) * x + VF(0.5f), VF(0.0f)), VF(1.0f));
}

// Runs f over full vectors, then over a zero-padded last vector, so that every element goes
// through the same code and the results do not depend on the position in the array.
template <class F>
inline void map_float(float* p, std::size_t n, F f) {
  std::size_t i = 0;
  for (; i + kW <= n; i += kW) f(VF::load_unaligned(p + i)).store_unaligned(p + i);
  if (i < n) {
    alignas(64) float tail[kW] = {};
    std::copy(p + i, p + n, tail);
    f(VF::load_aligned(tail)).store_aligned(tail);
    std::copy(tail, tail + (n - i), p + i);
  }
}

}  // namespace

void activate(GruActivation a, float* p, std::size_t n) {
  switch (a) {
    case GruActivation::tanh: map_float(p, n, [](VF x) { return xsimd::tanh(x); }); break;
    case GruActivation::sigmoid: map_float(p, n, sigmoid_v); break;
    case GruActivation::hard_sigmoid: map_float(p, n, hard_sigmoid_v); break;
    case GruActivation::relu: map_float(p, n, [](VF x) { return xsimd::max(x, VF(0.0f)); }); break;
    case GruActivation::linear: break;
  }
}

void activate(GruActivation a, double* p, std::size_t n) {
  switch (a) {
    case GruActivation::tanh:
      for (std::size_t i = 0; i < n; ++i) p[i] = std::tanh(p[i]);
      break;
    case GruActivation::sigmoid:
      for (std::size_t i = 0; i < n; ++i) p[i] = 1.0 / (1.0 + std::exp(-p[i]));
      break;
    case GruActivation::hard_sigmoid:
      for (std::size_t i = 0; i < n; ++i) p[i] = std::clamp(0.2 * p[i] + 0.5, 0.0, 1.0);
      break;
    case GruActivation::relu:
      for (std::size_t i = 0; i < n; ++i) p[i] = std::max(p[i], 0.0);
      break;
    case GruActivation::linear: break;
  }
}

}  // namespace loom::fast
