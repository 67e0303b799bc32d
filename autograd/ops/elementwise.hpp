#pragma once
// Binary elementwise ops with numpy broadcasting. The gradient to a broadcast input is summed back
// to that input's shape. Operators with plain numbers convert the number to the tensor's type.
#include <concepts>

#include "core/tensor.hpp"

namespace loom {

template <class T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> minimum(const Tensor<T>& a, const Tensor<T>& b);
// a ** b elementwise; the gradient to b needs a > 0.
template <class T> Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b);
// cond ? a : b, where cond is nonzero; all three broadcast. No gradient flows to cond.
template <class T> Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b);

// Comparisons give 1 or 0 and are not differentiable (they are never recorded).
template <class T> Tensor<T> greater(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> greater_equal(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> less(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> equal(const Tensor<T>& a, const Tensor<T>& b);

template <class T> Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) { return add(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) { return sub(a, b); }
template <class T> Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) { return mul(a, b); }
template <class T> Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) { return div(a, b); }

template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator+(const Tensor<T>& a, S s) { return add(a, Tensor<T>::scalar(static_cast<T>(s))); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator+(S s, const Tensor<T>& a) { return add(Tensor<T>::scalar(static_cast<T>(s)), a); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator-(const Tensor<T>& a, S s) { return sub(a, Tensor<T>::scalar(static_cast<T>(s))); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator-(S s, const Tensor<T>& a) { return sub(Tensor<T>::scalar(static_cast<T>(s)), a); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator*(const Tensor<T>& a, S s) { return mul(a, Tensor<T>::scalar(static_cast<T>(s))); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator*(S s, const Tensor<T>& a) { return mul(Tensor<T>::scalar(static_cast<T>(s)), a); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator/(const Tensor<T>& a, S s) { return div(a, Tensor<T>::scalar(static_cast<T>(s))); }
template <class T, class S> requires std::is_arithmetic_v<S>
Tensor<T> operator/(S s, const Tensor<T>& a) { return div(Tensor<T>::scalar(static_cast<T>(s)), a); }

#define LOOM_DECLARE_BINARY(T)                                                 \
  extern template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);           \
  extern template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);           \
  extern template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);           \
  extern template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);           \
  extern template Tensor<T> maximum(const Tensor<T>&, const Tensor<T>&);       \
  extern template Tensor<T> minimum(const Tensor<T>&, const Tensor<T>&);       \
  extern template Tensor<T> pow(const Tensor<T>&, const Tensor<T>&);           \
  extern template Tensor<T> where(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&); \
  extern template Tensor<T> greater(const Tensor<T>&, const Tensor<T>&);       \
  extern template Tensor<T> greater_equal(const Tensor<T>&, const Tensor<T>&); \
  extern template Tensor<T> less(const Tensor<T>&, const Tensor<T>&);          \
  extern template Tensor<T> equal(const Tensor<T>&, const Tensor<T>&);
LOOM_DECLARE_BINARY(float)
LOOM_DECLARE_BINARY(double)
#undef LOOM_DECLARE_BINARY

}  // namespace loom
