#pragma once
// Internal to the fused ops: activations applied in place over contiguous arrays. In float they run
// on xsimd vectors (max relative error about 1e-7, DESIGN.md §3: activations are the second cost
// of a GRU step); in double they call the exact std:: functions, so that double gradchecks hold.
#include <cstddef>

#include "autograd/ops/gru.hpp"

namespace loom::fast {

void activate(GruActivation a, float* p, std::size_t n);
void activate(GruActivation a, double* p, std::size_t n);

// The activation's derivative written in terms of its output y = a(x).
template <GruActivation A, class T>
inline T derivative_from_output(T y) {
  if constexpr (A == GruActivation::tanh) return T(1) - y * y;
  else if constexpr (A == GruActivation::sigmoid) return y * (T(1) - y);
  else if constexpr (A == GruActivation::hard_sigmoid) return (y > T(0) && y < T(1)) ? T(0.2) : T(0);
  else if constexpr (A == GruActivation::relu) return y > T(0) ? T(1) : T(0);
  else return T(1);
}

}  // namespace loom::fast
