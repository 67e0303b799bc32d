#pragma once
// Tensor: a handle to contiguous, row-major storage with a shape. Copying a Tensor shares the
// storage (like torch::Tensor); clone() copies it. Every tensor has a unique id, which is what the
// gradient tape keys on, so the tape need not keep tensors alive. No xtensor header is included
// here: conversions live in core/xarray_interop.hpp, to keep compile times low.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/shape.hpp"

namespace loom {

namespace detail {
template <class T>
struct TensorImpl;
}

template <class T = float>
class Tensor {
 public:
  using value_type = T;

  // An undefined tensor (no storage). Most operations on it throw ValueError.
  Tensor() = default;
  // 1-D, 2-D and 3-D tensors from nested braces: Tensor<float>{{1, 2}, {3, 4}} has shape (2, 2).
  Tensor(std::initializer_list<T> values);
  Tensor(std::initializer_list<std::initializer_list<T>> rows);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks);
  // A copy of `values`, which must hold shape.numel() elements.
  Tensor(const Shape& shape, const std::vector<T>& values);
  Tensor(const Shape& shape, const T* values);

  static Tensor empty(const Shape& shape);  // uninitialised storage
  static Tensor zeros(const Shape& shape);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, T value);
  static Tensor scalar(T value);  // rank 0

  Tensor(const Tensor& other) noexcept;
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor();

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  std::size_t rank() const { return shape().rank(); }
  std::size_t dim(long i) const { return shape().dim(i); }
  std::size_t size() const;
  T* data();
  const T* data() const;
  std::uint64_t id() const;

  // The single element of a tensor with size 1.
  T item() const;
  // Element at a multi-index; throws IndexError when out of range.
  T at(std::initializer_list<std::size_t> index) const;
  T& at(std::initializer_list<std::size_t> index);
  std::vector<T> to_vector() const;

  Tensor clone() const;
  void fill(T value);
  // A new tensor (new id) over the same storage with another shape of equal size. Not recorded on
  // any tape: use loom::reshape for a differentiable reshape.
  Tensor view_as(const Shape& shape) const;
  // True when no other tensor shares this storage, so it may be updated in place.
  bool storage_unique() const;
  // No nan or infinity among the elements (true for an undefined or empty tensor).
  bool all_finite() const;

  // Marks this tensor as the value of a trainable variable, which tapes watch automatically.
  void set_trainable_variable(bool on);
  bool is_trainable_variable() const;

  // Two slots in which gradient tapes mark the tensors they track (autograd/tape.cpp). A tape
  // looks here before its own hash set, which makes recording an op cheap.
  static constexpr int kTapeTags = 2;
  std::uint64_t tape_tag(int slot) const;
  void set_tape_tag(int slot, std::uint64_t tag) const;

 private:
  explicit Tensor(detail::TensorImpl<T>* impl) : impl_(impl) {}
  const detail::TensorImpl<T>& checked() const;
  detail::TensorImpl<T>* impl_ = nullptr;
};

using Tensorf = Tensor<float>;
using Tensord = Tensor<double>;

extern template class Tensor<float>;
extern template class Tensor<double>;

}  // namespace loom
