#include "autograd/ops/elementwise.hpp"

#include <cmath>

#include "autograd/ops/broadcast.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

template <class T>
void check_defined(const char* op, const Tensor<T>& a, const char* arg) {
  if (!a.defined())
    throw ValueError(std::string(op) + ": argument '" + arg +
                     "' expected a defined tensor, received an undefined one");
}

// Forward: out[i] = f(a, b). Backward: (da, db) per element from (g, a, b, out), then reduced to
// each input's shape. Forward and backward of every binary op are the two lambdas passed here.
template <class T, class F, class DA, class DB>
Tensor<T> binary(const char* name, const Tensor<T>& a, const Tensor<T>& b, F f, DA da, DB db) {
  check_defined(name, a, "a");
  check_defined(name, b, "b");
  const Shape os = broadcast_shapes(a.shape(), b.shape(), name);
  auto out = Tensor<T>::empty(os);
  {
    const T* ap = a.data();
    const T* bp = b.data();
    T* op = out.data();
    detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
      op[i] = f(ap[ia], bp[ib]);
    });
  }
  if (autograd::should_record<T>({&a, &b})) {
    autograd::record<T>(name, {&a, &b}, {&out}, [a, b, out, da, db](BackwardCtx<T>& c) {
      const Tensor<T>& g = c.g();
      const Shape& os = g.shape();
      const T* ap = a.data();
      const T* bp = b.data();
      const T* op = out.data();
      const T* gp = g.data();
      if (c.need(0)) {
        auto full = Tensor<T>::empty(os);
        T* fp = full.data();
        detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
          fp[i] = da(gp[i], ap[ia], bp[ib], op[i]);
        });
        c.grad_in[0] = detail::reduce_to(full, a.shape());
      }
      if (c.need(1)) {
        auto full = Tensor<T>::empty(os);
        T* fp = full.data();
        detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
          fp[i] = db(gp[i], ap[ia], bp[ib], op[i]);
        });
        c.grad_in[1] = detail::reduce_to(full, b.shape());
      }
    });
  }
  return out;
}

template <class T, class F>
Tensor<T> compare(const char* name, const Tensor<T>& a, const Tensor<T>& b, F f) {
  check_defined(name, a, "a");
  check_defined(name, b, "b");
  const Shape os = broadcast_shapes(a.shape(), b.shape(), name);
  auto out = Tensor<T>::empty(os);
  const T* ap = a.data();
  const T* bp = b.data();
  T* op = out.data();
  detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
    op[i] = f(ap[ia], bp[ib]) ? T(1) : T(0);
  });
  return out;
}

}  // namespace

template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) {
  // The gradient passes through unchanged, so the backward need not touch a or b.
  check_defined("add", a, "a");
  check_defined("add", b, "b");
  const Shape os = broadcast_shapes(a.shape(), b.shape(), "add");
  auto out = Tensor<T>::empty(os);
  const T* ap = a.data();
  const T* bp = b.data();
  T* op = out.data();
  detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
    op[i] = ap[ia] + bp[ib];
  });
  if (autograd::should_record<T>({&a, &b})) {
    autograd::record<T>("add", {&a, &b}, {&out}, [sa = a.shape(), sb = b.shape()](BackwardCtx<T>& c) {
      if (c.need(0)) c.grad_in[0] = detail::reduce_to(c.g(), sa);
      if (c.need(1)) c.grad_in[1] = detail::reduce_to(c.g(), sb);
    });
  }
  return out;
}

template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<T>(
      "sub", a, b, [](T x, T y) { return x - y; }, [](T g, T, T, T) { return g; },
      [](T g, T, T, T) { return -g; });
}

template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<T>(
      "mul", a, b, [](T x, T y) { return x * y; }, [](T g, T, T y, T) { return g * y; },
      [](T g, T x, T, T) { return g * x; });
}

template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<T>(
      "div", a, b, [](T x, T y) { return x / y; }, [](T g, T, T y, T) { return g / y; },
      [](T g, T, T y, T o) { return -g * o / y; });
}

template <class T>
Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b) {
  // Ties send the gradient to a, as TensorFlow does.
  return binary<T>(
      "maximum", a, b, [](T x, T y) { return x >= y ? x : y; },
      [](T g, T x, T y, T) { return x >= y ? g : T(0); },
      [](T g, T x, T y, T) { return x >= y ? T(0) : g; });
}

template <class T>
Tensor<T> minimum(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<T>(
      "minimum", a, b, [](T x, T y) { return x <= y ? x : y; },
      [](T g, T x, T y, T) { return x <= y ? g : T(0); },
      [](T g, T x, T y, T) { return x <= y ? T(0) : g; });
}

template <class T>
Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<T>(
      "pow", a, b, [](T x, T y) { return std::pow(x, y); },
      [](T g, T x, T y, T) { return y == T(0) ? T(0) : g * y * std::pow(x, y - T(1)); },
      [](T g, T x, T, T o) { return x > T(0) ? g * o * std::log(x) : T(0); });
}

template <class T>
Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b) {
  check_defined("where", cond, "cond");
  check_defined("where", a, "a");
  check_defined("where", b, "b");
  const Shape ab = broadcast_shapes(a.shape(), b.shape(), "where");
  const Shape os = broadcast_shapes(cond.shape(), ab, "where");
  // Broadcast the condition once to the output shape; then a and b broadcast against it.
  auto c = Tensor<T>::empty(os);
  {
    const T* cp = cond.data();
    T* q = c.data();
    detail::for_each_broadcast1(os, cond.shape(), [&](std::size_t i, std::size_t ic) { q[i] = cp[ic]; });
  }
  auto out = Tensor<T>::empty(os);
  {
    const T* cp = c.data();
    const T* ap = a.data();
    const T* bp = b.data();
    T* op = out.data();
    detail::for_each_broadcast2(os, a.shape(), b.shape(), [&](std::size_t i, std::size_t ia, std::size_t ib) {
      op[i] = cp[i] != T(0) ? ap[ia] : bp[ib];
    });
  }
  if (autograd::should_record<T>({&cond, &a, &b})) {
    autograd::record<T>("where", {&cond, &a, &b}, {&out},
                        [c, sa = a.shape(), sb = b.shape()](BackwardCtx<T>& ctx) {
                          const T* cp = c.data();
                          const T* gp = ctx.g().data();
                          const std::size_t n = c.size();
                          if (ctx.need(1)) {
                            auto full = Tensor<T>::empty(c.shape());
                            T* f = full.data();
                            for (std::size_t i = 0; i < n; ++i) f[i] = cp[i] != T(0) ? gp[i] : T(0);
                            ctx.grad_in[1] = detail::reduce_to(full, sa);
                          }
                          if (ctx.need(2)) {
                            auto full = Tensor<T>::empty(c.shape());
                            T* f = full.data();
                            for (std::size_t i = 0; i < n; ++i) f[i] = cp[i] != T(0) ? T(0) : gp[i];
                            ctx.grad_in[2] = detail::reduce_to(full, sb);
                          }
                        });
  }
  return out;
}

template <class T>
Tensor<T> greater(const Tensor<T>& a, const Tensor<T>& b) {
  return compare<T>("greater", a, b, [](T x, T y) { return x > y; });
}
template <class T>
Tensor<T> greater_equal(const Tensor<T>& a, const Tensor<T>& b) {
  return compare<T>("greater_equal", a, b, [](T x, T y) { return x >= y; });
}
template <class T>
Tensor<T> less(const Tensor<T>& a, const Tensor<T>& b) {
  return compare<T>("less", a, b, [](T x, T y) { return x < y; });
}
template <class T>
Tensor<T> equal(const Tensor<T>& a, const Tensor<T>& b) {
  return compare<T>("equal", a, b, [](T x, T y) { return x == y; });
}

#define LOOM_INSTANTIATE_BINARY(T)                                       \
  template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);            \
  template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);            \
  template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);            \
  template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);            \
  template Tensor<T> maximum(const Tensor<T>&, const Tensor<T>&);        \
  template Tensor<T> minimum(const Tensor<T>&, const Tensor<T>&);        \
  template Tensor<T> pow(const Tensor<T>&, const Tensor<T>&);            \
  template Tensor<T> where(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&); \
  template Tensor<T> greater(const Tensor<T>&, const Tensor<T>&);        \
  template Tensor<T> greater_equal(const Tensor<T>&, const Tensor<T>&);  \
  template Tensor<T> less(const Tensor<T>&, const Tensor<T>&);           \
  template Tensor<T> equal(const Tensor<T>&, const Tensor<T>&);
LOOM_INSTANTIATE_BINARY(float)
LOOM_INSTANTIATE_BINARY(double)

}  // namespace loom
