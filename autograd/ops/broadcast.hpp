#pragma once
// Internal helpers for numpy broadcasting, shared by the elementwise ops. Not part of loom.hpp.
#include <array>
#include <cstddef>

#include "core/shape.hpp"
#include "core/tensor.hpp"

namespace loom::detail {

// Strides of `in` laid against `out` (right-aligned), 0 on broadcast dimensions.
inline std::array<std::size_t, Shape::kMaxRank> broadcast_strides(const Shape& in, const Shape& out) {
  std::array<std::size_t, Shape::kMaxRank> st{};
  std::size_t stride = 1;
  const std::size_t off = out.rank() - in.rank();
  for (std::size_t i = in.rank(); i-- > 0;) {
    st[i + off] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return st;
}

// Calls fn(i, ia, ib) for every flat output index i with the matching flat input offsets.
template <class Fn>
void for_each_broadcast2(const Shape& out, const Shape& a, const Shape& b, Fn&& fn) {
  const std::size_t n = out.numel();
  if (n == 0) return;
  if (a == out && b == out) {
    for (std::size_t i = 0; i < n; ++i) fn(i, i, i);
    return;
  }
  if (a == out && b.numel() == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i, i, std::size_t{0});
    return;
  }
  if (b == out && a.numel() == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i, std::size_t{0}, i);
    return;
  }
  const auto sa = broadcast_strides(a, out);
  const auto sb = broadcast_strides(b, out);
  const std::size_t r = out.rank();
  std::array<std::size_t, Shape::kMaxRank> idx{};
  std::size_t ia = 0, ib = 0;
  for (std::size_t i = 0; i < n; ++i) {
    fn(i, ia, ib);
    for (std::size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) {
        ia += sa[d];
        ib += sb[d];
        break;
      }
      ia -= sa[d] * (out[d] - 1);
      ib -= sb[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

// Calls fn(i, ia) for every flat index i of `out` with the offset into `in` broadcast against it.
template <class Fn>
void for_each_broadcast1(const Shape& out, const Shape& in, Fn&& fn) {
  for_each_broadcast2(out, in, out, [&](std::size_t i, std::size_t ia, std::size_t) { fn(i, ia); });
}

// Sums `g` (of a broadcast result's shape) down to `shape`, the shape of the op's input.
template <class T>
Tensor<T> reduce_to(const Tensor<T>& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  auto r = Tensor<T>::zeros(shape);
  T* rp = r.data();
  const T* gp = g.data();
  for_each_broadcast1(g.shape(), shape, [&](std::size_t i, std::size_t ia) { rp[ia] += gp[i]; });
  return r;
}

}  // namespace loom::detail
