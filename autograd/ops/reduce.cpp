#include "autograd/ops/reduce.hpp"

#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/ops/broadcast.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

std::size_t normalize_axis(const char* op, long axis, std::size_t rank) {
  const long r = static_cast<long>(rank);
  const long a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw IndexError(std::string(op) + ": axis expected in [" + std::to_string(-r) + ", " +
                     std::to_string(r) + "), received " + std::to_string(axis));
  return static_cast<std::size_t>(a);
}

// The shape with reduced axes set to 1 (keepdims form), and the number of reduced elements.
Shape kept_shape(const char* op, const Shape& s, const std::vector<long>& axes, std::size_t& count) {
  Shape k = s;
  count = 1;
  std::vector<bool> seen(s.rank(), false);
  for (long ax : axes) {
    const std::size_t a = normalize_axis(op, ax, s.rank());
    if (seen[a])
      throw ValueError(std::string(op) + ": axes expected to be distinct, received axis " +
                       std::to_string(ax) + " twice");
    seen[a] = true;
    count *= s[a];
    k[a] = 1;
  }
  return k;
}

Shape squeezed(const Shape& s, const Shape& kept, const std::vector<long>& axes, bool keepdims) {
  if (keepdims) return kept;
  std::vector<bool> red(s.rank(), false);
  for (long ax : axes) red[static_cast<std::size_t>(ax < 0 ? ax + static_cast<long>(s.rank()) : ax)] = true;
  Shape out;
  for (std::size_t i = 0; i < s.rank(); ++i)
    if (!red[i]) out.push_back(s[i]);
  return out;
}

template <class T>
Tensor<T> sum_scaled(const char* name, const Tensor<T>& x, const std::vector<long>& axes,
                     bool keepdims, bool average) {
  if (!x.defined())
    throw ValueError(std::string(name) + ": argument 'x' expected a defined tensor, received an "
                     "undefined one");
  std::size_t count = 0;
  const Shape kept = kept_shape(name, x.shape(), axes, count);
  const Shape os = squeezed(x.shape(), kept, axes, keepdims);
  auto r = Tensor<T>::empty(kept);
  {
    // float sums accumulate in double: adding a million floats one by one into a float drifts by
    // 1e-3 relative (mean of 1e6 copies of 0.1f gave 0.10096), where numpy's pairwise float sum
    // stays within 1e-7; a double accumulator is within one float rounding at any length we can
    // hold, costs the same scalar adds, and keeps the order fixed (so results stay deterministic).
    using Acc = std::conditional_t<std::is_same_v<T, float>, double, T>;
    std::vector<Acc> acc(r.size(), Acc(0));
    const T* xp = x.data();
    detail::for_each_broadcast1(x.shape(), kept, [&](std::size_t i, std::size_t ir) { acc[ir] += xp[i]; });
    T* rp = r.data();
    if (!average) {
      for (std::size_t i = 0; i < r.size(); ++i) rp[i] = static_cast<T>(acc[i]);
    } else if (count == 0) {
      for (std::size_t i = 0; i < r.size(); ++i) rp[i] = std::numeric_limits<T>::quiet_NaN();
    } else {
      const Acc n = static_cast<Acc>(count);
      for (std::size_t i = 0; i < r.size(); ++i) rp[i] = static_cast<T>(acc[i] / n);
    }
  }
  Tensor<T> out = r.view_as(os);
  if (autograd::should_record<T>({&x})) {
    const T scale = average && count ? T(1) / static_cast<T>(count) : T(1);
    autograd::record<T>(name, {&x}, {&out}, [xs = x.shape(), kept, scale](BackwardCtx<T>& c) {
      auto gx = Tensor<T>::empty(xs);
      T* gp = gx.data();
      const T* g = c.g().data();
      detail::for_each_broadcast1(xs, kept, [&](std::size_t i, std::size_t ik) { gp[i] = g[ik] * scale; });
      c.grad_in[0] = std::move(gx);
    });
  }
  return out;
}

std::vector<long> all_axes(std::size_t rank) {
  std::vector<long> a(rank);
  for (std::size_t i = 0; i < rank; ++i) a[i] = static_cast<long>(i);
  return a;
}

}  // namespace

template <class T>
Tensor<T> sum(const Tensor<T>& x) {
  return sum_scaled<T>("sum", x, all_axes(x.defined() ? x.rank() : 0), false, false);
}
template <class T>
Tensor<T> sum(const Tensor<T>& x, const std::vector<long>& axes, bool keepdims) {
  return sum_scaled<T>("sum", x, axes, keepdims, false);
}
template <class T>
Tensor<T> mean(const Tensor<T>& x) {
  return sum_scaled<T>("mean", x, all_axes(x.defined() ? x.rank() : 0), false, true);
}
template <class T>
Tensor<T> mean(const Tensor<T>& x, const std::vector<long>& axes, bool keepdims) {
  return sum_scaled<T>("mean", x, axes, keepdims, true);
}

template <class T>
Tensor<T> max(const Tensor<T>& x, long axis, bool keepdims) {
  if (!x.defined())
    throw ValueError("max: argument 'x' expected a defined tensor, received an undefined one");
  const std::size_t a = normalize_axis("max", axis, x.rank());
  const Shape& s = x.shape();
  if (s[a] == 0)
    throw ShapeError("max: axis " + std::to_string(axis) + " expected a non-empty dimension, "
                     "received shape " + s.str());
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < a; ++i) outer *= s[i];
  for (std::size_t i = a + 1; i < s.rank(); ++i) inner *= s[i];
  const std::size_t n = s[a];
  std::size_t count = 0;
  const Shape kept = kept_shape("max", s, {axis}, count);
  const Shape os = squeezed(s, kept, {axis}, keepdims);
  auto out = Tensor<T>::empty(os);
  std::vector<std::size_t> arg(outer * inner);
  const T* xp = x.data();
  T* op = out.data();
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < inner; ++i) {
      std::size_t best = 0;
      T bv = xp[o * n * inner + i];
      for (std::size_t k = 1; k < n; ++k) {
        const T v = xp[(o * n + k) * inner + i];
        if (v > bv) bv = v, best = k;
      }
      op[o * inner + i] = bv;
      arg[o * inner + i] = best;
    }
  if (autograd::should_record<T>({&x})) {
    autograd::record<T>("max", {&x}, {&out}, [s, arg, outer, inner, n](BackwardCtx<T>& c) {
      auto gx = Tensor<T>::zeros(s);
      T* gp = gx.data();
      const T* g = c.g().data();
      for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t i = 0; i < inner; ++i)
          gp[(o * n + arg[o * inner + i]) * inner + i] = g[o * inner + i];
      c.grad_in[0] = std::move(gx);
    });
  }
  return out;
}

#define LOOM_INSTANTIATE_REDUCE(T)                                             \
  template Tensor<T> sum(const Tensor<T>&);                                    \
  template Tensor<T> sum(const Tensor<T>&, const std::vector<long>&, bool);    \
  template Tensor<T> mean(const Tensor<T>&);                                   \
  template Tensor<T> mean(const Tensor<T>&, const std::vector<long>&, bool);   \
  template Tensor<T> max(const Tensor<T>&, long, bool);
LOOM_INSTANTIATE_REDUCE(float)
LOOM_INSTANTIATE_REDUCE(double)

}  // namespace loom
