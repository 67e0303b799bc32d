#include "autograd/ops/unary.hpp"

#include <cmath>
#include <string>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

enum Keep { kX = 1, kY = 2 };

// Forward y = f(x); backward dx = g * d(x, y). `keep` says which of x and y the backward reads, so
// that a record holds only what it needs.
template <class T, class F, class D>
Tensor<T> unary(const char* name, const Tensor<T>& x, int keep, F f, D d) {
  if (!x.defined())
    throw ValueError(std::string(name) + ": argument 'x' expected a defined tensor, received an "
                     "undefined one");
  auto y = Tensor<T>::empty(x.shape());
  const T* xp = x.data();
  T* yp = y.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) yp[i] = f(xp[i]);
  if (autograd::should_record<T>({&x})) {
    Tensor<T> xs = (keep & kX) ? x : Tensor<T>();
    Tensor<T> ys = (keep & kY) ? y : Tensor<T>();
    autograd::record<T>(name, {&x}, {&y}, [xs, ys, d](BackwardCtx<T>& c) {
      const Tensor<T>& g = c.g();
      auto gx = Tensor<T>::empty(g.shape());
      const T* gp = g.data();
      const T* xp = xs.defined() ? xs.data() : nullptr;
      const T* yp = ys.defined() ? ys.data() : nullptr;
      T* out = gx.data();
      for (std::size_t i = 0, n = g.size(); i < n; ++i)
        out[i] = gp[i] * d(xp ? xp[i] : T(0), yp ? yp[i] : T(0));
      c.grad_in[0] = std::move(gx);
    });
  }
  return y;
}

template <class T>
T sigmoid1(T v) {
  // Split by sign so that exp never overflows.
  if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

template <class T>
T softplus1(T v) {
  return v > T(0) ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
}

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

}  // namespace

template <class T>
Tensor<T> neg(const Tensor<T>& x) {
  return unary<T>("neg", x, 0, [](T v) { return -v; }, [](T, T) { return T(-1); });
}
template <class T>
Tensor<T> exp(const Tensor<T>& x) {
  return unary<T>("exp", x, kY, [](T v) { return std::exp(v); }, [](T, T y) { return y; });
}
template <class T>
Tensor<T> log(const Tensor<T>& x) {
  return unary<T>("log", x, kX, [](T v) { return std::log(v); }, [](T v, T) { return T(1) / v; });
}
template <class T>
Tensor<T> sqrt(const Tensor<T>& x) {
  return unary<T>("sqrt", x, kY, [](T v) { return std::sqrt(v); },
                  [](T, T y) { return T(0.5) / y; });
}
template <class T>
Tensor<T> square(const Tensor<T>& x) {
  return unary<T>("square", x, kX, [](T v) { return v * v; }, [](T v, T) { return T(2) * v; });
}
template <class T>
Tensor<T> abs(const Tensor<T>& x) {
  return unary<T>("abs", x, kX, [](T v) { return std::abs(v); },
                  [](T v, T) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0)); });
}
template <class T>
Tensor<T> sign(const Tensor<T>& x) {
  return unary<T>("sign", x, 0, [](T v) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0)); },
                  [](T, T) { return T(0); });
}
template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
  return unary<T>("tanh", x, kY, [](T v) { return std::tanh(v); },
                  [](T, T y) { return T(1) - y * y; });
}
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  return unary<T>("sigmoid", x, kY, [](T v) { return sigmoid1(v); },
                  [](T, T y) { return y * (T(1) - y); });
}
template <class T>
Tensor<T> hard_sigmoid(const Tensor<T>& x) {
  return unary<T>(
      "hard_sigmoid", x, kX,
      [](T v) {
        const T r = T(0.2) * v + T(0.5);
        return r < T(0) ? T(0) : (r > T(1) ? T(1) : r);
      },
      [](T v, T) { return (v > T(-2.5) && v < T(2.5)) ? T(0.2) : T(0); });
}
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  return unary<T>("relu", x, kX, [](T v) { return v > T(0) ? v : T(0); },
                  [](T v, T) { return v > T(0) ? T(1) : T(0); });
}
template <class T>
Tensor<T> relu6(const Tensor<T>& x) {
  return unary<T>("relu6", x, kX, [](T v) { return v < T(0) ? T(0) : (v > T(6) ? T(6) : v); },
                  [](T v, T) { return (v > T(0) && v < T(6)) ? T(1) : T(0); });
}
template <class T>
Tensor<T> selu(const Tensor<T>& x) {
  return unary<T>(
      "selu", x, kX,
      [](T v) {
        return v > T(0) ? T(kSeluScale) * v : T(kSeluScale * kSeluAlpha) * std::expm1(v);
      },
      [](T v, T) { return v > T(0) ? T(kSeluScale) : T(kSeluScale * kSeluAlpha) * std::exp(v); });
}
template <class T>
Tensor<T> softplus(const Tensor<T>& x) {
  return unary<T>("softplus", x, kX, [](T v) { return softplus1(v); },
                  [](T v, T) { return sigmoid1(v); });
}
template <class T>
Tensor<T> softsign(const Tensor<T>& x) {
  return unary<T>("softsign", x, kX, [](T v) { return v / (T(1) + std::abs(v)); },
                  [](T v, T) {
                    const T d = T(1) + std::abs(v);
                    return T(1) / (d * d);
                  });
}
template <class T>
Tensor<T> swish(const Tensor<T>& x) {
  return unary<T>("swish", x, kX, [](T v) { return v * sigmoid1(v); },
                  [](T v, T) {
                    const T s = sigmoid1(v);
                    return s * (T(1) + v * (T(1) - s));
                  });
}
template <class T>
Tensor<T> elu(const Tensor<T>& x, double alpha) {
  const T a = static_cast<T>(alpha);
  return unary<T>("elu", x, kX, [a](T v) { return v > T(0) ? v : a * std::expm1(v); },
                  [a](T v, T) { return v > T(0) ? T(1) : a * std::exp(v); });
}
template <class T>
Tensor<T> leaky_relu(const Tensor<T>& x, double alpha) {
  const T a = static_cast<T>(alpha);
  return unary<T>("leaky_relu", x, kX, [a](T v) { return v > T(0) ? v : a * v; },
                  [a](T v, T) { return v > T(0) ? T(1) : a; });
}
template <class T>
Tensor<T> pow(const Tensor<T>& x, double p) {
  const T e = static_cast<T>(p);
  return unary<T>("pow", x, kX, [e](T v) { return std::pow(v, e); },
                  [e](T v, T) { return e == T(0) ? T(0) : e * std::pow(v, e - T(1)); });
}
template <class T>
Tensor<T> clip(const Tensor<T>& x, double low, double high) {
  if (!(low <= high))
    throw ValueError("clip: expected low <= high, received low=" + std::to_string(low) +
                     " and high=" + std::to_string(high));
  const T lo = static_cast<T>(low), hi = static_cast<T>(high);
  return unary<T>("clip", x, kX, [lo, hi](T v) { return v < lo ? lo : (v > hi ? hi : v); },
                  [lo, hi](T v, T) { return (v >= lo && v <= hi) ? T(1) : T(0); });
}

#define LOOM_INSTANTIATE_UNARY_T(name, T) template Tensor<T> name(const Tensor<T>&);
#define LOOM_INSTANTIATE_UNARY(name) \
  LOOM_INSTANTIATE_UNARY_T(name, float) LOOM_INSTANTIATE_UNARY_T(name, double)
LOOM_UNARY_LIST(LOOM_INSTANTIATE_UNARY)
template Tensor<float> elu(const Tensor<float>&, double);
template Tensor<double> elu(const Tensor<double>&, double);
template Tensor<float> leaky_relu(const Tensor<float>&, double);
template Tensor<double> leaky_relu(const Tensor<double>&, double);
template Tensor<float> pow(const Tensor<float>&, double);
template Tensor<double> pow(const Tensor<double>&, double);
template Tensor<float> clip(const Tensor<float>&, double, double);
template Tensor<double> clip(const Tensor<double>&, double, double);

}  // namespace loom
