#pragma once
// Ops that move data without arithmetic: reshape, slicing along an axis, concat, stack, split.
// The RNN uses them for time steps and gate blocks.
#include <vector>

#include "core/tensor.hpp"

namespace loom {

// New shape with the same number of elements; one entry may be -1 (inferred).
template <class T> Tensor<T> reshape(const Tensor<T>& x, const std::vector<long>& shape);
// Elements [start, stop) along `axis`.
template <class T> Tensor<T> slice(const Tensor<T>& x, long axis, std::size_t start, std::size_t stop);
// The sub-tensor at `index` along `axis`, with that axis removed (x[:, t] for axis 1).
template <class T> Tensor<T> take(const Tensor<T>& x, long axis, std::size_t index);
template <class T> Tensor<T> concat(const std::vector<Tensor<T>>& xs, long axis);
template <class T> Tensor<T> stack(const std::vector<Tensor<T>>& xs, long axis);
// `num` equal parts along `axis`; throws ValueError when the axis does not divide.
template <class T> std::vector<Tensor<T>> split(const Tensor<T>& x, std::size_t num, long axis);
// Parts of the given sizes along `axis`.
template <class T> std::vector<Tensor<T>> split(const Tensor<T>& x, const std::vector<std::size_t>& sizes, long axis);
// Reverses the order of elements along `axis`.
template <class T> Tensor<T> reverse(const Tensor<T>& x, long axis);

#define LOOM_EXTERN_SHAPE_OPS(T)                                                                   \
  extern template Tensor<T> reshape(const Tensor<T>&, const std::vector<long>&);                   \
  extern template Tensor<T> slice(const Tensor<T>&, long, std::size_t, std::size_t);               \
  extern template Tensor<T> take(const Tensor<T>&, long, std::size_t);                             \
  extern template Tensor<T> concat(const std::vector<Tensor<T>>&, long);                           \
  extern template Tensor<T> stack(const std::vector<Tensor<T>>&, long);                            \
  extern template std::vector<Tensor<T>> split(const Tensor<T>&, std::size_t, long);               \
  extern template std::vector<Tensor<T>> split(const Tensor<T>&, const std::vector<std::size_t>&, long); \
  extern template Tensor<T> reverse(const Tensor<T>&, long);
LOOM_EXTERN_SHAPE_OPS(float)
LOOM_EXTERN_SHAPE_OPS(double)
#undef LOOM_EXTERN_SHAPE_OPS

}  // namespace loom
