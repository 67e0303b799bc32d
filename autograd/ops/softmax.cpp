#include "autograd/ops/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

struct Lanes {
  std::size_t outer = 1, n = 1, inner = 1;
};

Lanes lanes(const char* op, const Shape& s, long axis) {
  const long r = static_cast<long>(s.rank());
  const long a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw IndexError(std::string(op) + ": axis expected in [" + std::to_string(-r) + ", " +
                     std::to_string(r) + "), received " + std::to_string(axis));
  Lanes l;
  for (long i = 0; i < a; ++i) l.outer *= s[static_cast<std::size_t>(i)];
  l.n = s[static_cast<std::size_t>(a)];
  for (long i = a + 1; i < r; ++i) l.inner *= s[static_cast<std::size_t>(i)];
  return l;
}

// Calls fn(base, stride) for every lane along the axis.
template <class Fn>
void each_lane(Lanes l, Fn&& fn) {
  for (std::size_t o = 0; o < l.outer; ++o)
    for (std::size_t i = 0; i < l.inner; ++i) fn(o * l.n * l.inner + i, l.inner);
}

template <class T>
Tensor<T> softmax_impl(const char* name, const Tensor<T>& x, long axis, bool log_form) {
  if (!x.defined())
    throw ValueError(std::string(name) + ": expected a defined tensor, received an undefined one");
  const Lanes l = lanes(name, x.shape(), axis);
  auto y = Tensor<T>::empty(x.shape());
  const T* xp = x.data();
  T* yp = y.data();
  each_lane(l, [&](std::size_t b, std::size_t st) {
    T m = xp[b];
    for (std::size_t k = 1; k < l.n; ++k) m = std::max(m, xp[b + k * st]);
    T z = 0;
    for (std::size_t k = 0; k < l.n; ++k) z += std::exp(xp[b + k * st] - m);
    const T lz = std::log(z);
    for (std::size_t k = 0; k < l.n; ++k) {
      const T v = xp[b + k * st] - m - lz;
      yp[b + k * st] = log_form ? v : std::exp(v);
    }
  });
  if (autograd::should_record<T>({&x})) {
    autograd::record<T>(name, {&x}, {&y}, [y, l, log_form](BackwardCtx<T>& c) {
      auto gx = Tensor<T>::empty(y.shape());
      const T* yp = y.data();
      const T* g = c.g().data();
      T* gp = gx.data();
      each_lane(l, [&](std::size_t b, std::size_t st) {
        if (log_form) {
          // d log_softmax: g - softmax * sum(g)
          T sg = 0;
          for (std::size_t k = 0; k < l.n; ++k) sg += g[b + k * st];
          for (std::size_t k = 0; k < l.n; ++k)
            gp[b + k * st] = g[b + k * st] - std::exp(yp[b + k * st]) * sg;
        } else {
          // d softmax: y * (g - sum(g * y))
          T dot = 0;
          for (std::size_t k = 0; k < l.n; ++k) dot += g[b + k * st] * yp[b + k * st];
          for (std::size_t k = 0; k < l.n; ++k)
            gp[b + k * st] = yp[b + k * st] * (g[b + k * st] - dot);
        }
      });
      c.grad_in[0] = std::move(gx);
    });
  }
  return y;
}

}  // namespace

template <class T>
Tensor<T> softmax(const Tensor<T>& x, long axis) {
  return softmax_impl("softmax", x, axis, false);
}
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, long axis) {
  return softmax_impl("log_softmax", x, axis, true);
}

template Tensor<float> softmax(const Tensor<float>&, long);
template Tensor<double> softmax(const Tensor<double>&, long);
template Tensor<float> log_softmax(const Tensor<float>&, long);
template Tensor<double> log_softmax(const Tensor<double>&, long);

}  // namespace loom
