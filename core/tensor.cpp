#include "core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "core/buffer_pool.hpp"
#include "core/errors.hpp"

namespace loom {
namespace detail {

// Storage and tensor headers are intrusive and pooled: a tensor in steady state costs no malloc.
struct Buffer {
  std::atomic<int> refs{1};
  std::size_t bytes = 0;  // usable bytes after the header
  static constexpr std::size_t kHeader = 64;
  void* data() { return reinterpret_cast<char*>(this) + kHeader; }
  static Buffer* create(std::size_t bytes) {
    void* raw = pool::allocate(kHeader + (bytes ? bytes : 1));
    auto* b = new (raw) Buffer;
    b->bytes = bytes;
    return b;
  }
  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      const std::size_t n = bytes;
      this->~Buffer();
      pool::deallocate(this, kHeader + (n ? n : 1));
    }
  }
};

std::atomic<std::uint64_t> g_next_id{1};

// The bytes of a shape's storage; a count whose bytes (with the header) pass PTRDIFF_MAX, which no
// allocator can serve and pointer differences could not span, is refused before allocating.
template <class T>
std::size_t checked_bytes(const Shape& s) {
  const std::size_t n = s.numel();
  constexpr std::size_t kMax = (static_cast<std::size_t>(PTRDIFF_MAX) - Buffer::kHeader) / sizeof(T);
  if (n > kMax)
    throw ShapeError("Tensor: shape " + s.str() + " expected at most " + std::to_string(kMax) + " elements, received " +
                     std::to_string(n));
  return n * sizeof(T);
}

template <class T>
struct TensorImpl {
  std::atomic<int> refs{1};
  std::uint64_t id = g_next_id.fetch_add(1, std::memory_order_relaxed);
  Shape shape;
  Buffer* buffer = nullptr;
  T* data = nullptr;
  bool trainable_variable = false;
  std::uint64_t tape_tags[2] = {0, 0};

  static TensorImpl* create(const Shape& s, Buffer* shared = nullptr) {
    void* raw = pool::allocate(sizeof(TensorImpl));
    auto* t = new (raw) TensorImpl;
    t->shape = s;
    if (shared) {
      shared->retain();
      t->buffer = shared;
    } else {
      try {
        t->buffer = Buffer::create(checked_bytes<T>(s));
      } catch (const std::bad_alloc&) {
        t->~TensorImpl();
        pool::deallocate(raw, sizeof(TensorImpl));
        throw RuntimeError("Tensor: shape " + s.str() + " expected an allocation of " +
                           std::to_string(s.numel() * sizeof(T)) + " bytes, received an out-of-memory failure");
      } catch (...) {
        t->~TensorImpl();
        pool::deallocate(raw, sizeof(TensorImpl));
        throw;
      }
    }
    t->data = static_cast<T*>(t->buffer->data());
    return t;
  }
  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      buffer->release();
      this->~TensorImpl();
      pool::deallocate(this, sizeof(TensorImpl));
    }
  }
};

}  // namespace detail

template <class T>
Tensor<T>::Tensor(std::initializer_list<T> values) : impl_(detail::TensorImpl<T>::create({values.size()})) {
  std::copy(values.begin(), values.end(), impl_->data);
}

template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<T>> rows) {
  const std::size_t r = rows.size();
  const std::size_t c = r ? rows.begin()->size() : 0;
  for (const auto& row : rows)
    if (row.size() != c)
      throw ShapeError("Tensor: nested initializer rows expected " + std::to_string(c) +
                       " elements each, received a row of " + std::to_string(row.size()));
  impl_ = detail::TensorImpl<T>::create({r, c});
  T* p = impl_->data;
  for (const auto& row : rows) p = std::copy(row.begin(), row.end(), p);
}

template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks) {
  const std::size_t a = blocks.size();
  const std::size_t b = a ? blocks.begin()->size() : 0;
  const std::size_t c = b ? blocks.begin()->begin()->size() : 0;
  for (const auto& blk : blocks) {
    if (blk.size() != b)
      throw ShapeError("Tensor: nested initializer blocks expected " + std::to_string(b) +
                       " rows each, received " + std::to_string(blk.size()));
    for (const auto& row : blk)
      if (row.size() != c)
        throw ShapeError("Tensor: nested initializer rows expected " + std::to_string(c) +
                         " elements each, received " + std::to_string(row.size()));
  }
  impl_ = detail::TensorImpl<T>::create({a, b, c});
  T* p = impl_->data;
  for (const auto& blk : blocks)
    for (const auto& row : blk) p = std::copy(row.begin(), row.end(), p);
}

template <class T>
Tensor<T>::Tensor(const Shape& shape, const std::vector<T>& values) {
  if (values.size() != shape.numel())
    throw ShapeError("Tensor: shape " + shape.str() + " expects " + std::to_string(shape.numel()) +
                     " values, received " + std::to_string(values.size()));
  impl_ = detail::TensorImpl<T>::create(shape);
  std::copy(values.begin(), values.end(), impl_->data);
}

template <class T>
Tensor<T>::Tensor(const Shape& shape, const T* values) : impl_(detail::TensorImpl<T>::create(shape)) {
  if (shape.numel()) std::memcpy(impl_->data, values, shape.numel() * sizeof(T));
}

template <class T>
Tensor<T> Tensor<T>::empty(const Shape& shape) {
  return Tensor(detail::TensorImpl<T>::create(shape));
}
template <class T>
Tensor<T> Tensor<T>::zeros(const Shape& shape) {
  Tensor t = empty(shape);
  if (shape.numel()) std::memset(t.impl_->data, 0, shape.numel() * sizeof(T));
  return t;
}
template <class T>
Tensor<T> Tensor<T>::ones(const Shape& shape) {
  return full(shape, T(1));
}
template <class T>
Tensor<T> Tensor<T>::full(const Shape& shape, T value) {
  Tensor t = empty(shape);
  std::fill_n(t.impl_->data, shape.numel(), value);
  return t;
}
template <class T>
Tensor<T> Tensor<T>::scalar(T value) {
  return full(Shape{}, value);
}

template <class T>
Tensor<T>::Tensor(const Tensor& o) noexcept : impl_(o.impl_) {
  if (impl_) impl_->retain();
}
template <class T>
Tensor<T>::Tensor(Tensor&& o) noexcept : impl_(o.impl_) {
  o.impl_ = nullptr;
}
template <class T>
Tensor<T>& Tensor<T>::operator=(const Tensor& o) noexcept {
  if (o.impl_) o.impl_->retain();
  if (impl_) impl_->release();
  impl_ = o.impl_;
  return *this;
}
template <class T>
Tensor<T>& Tensor<T>::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    if (impl_) impl_->release();
    impl_ = o.impl_;
    o.impl_ = nullptr;
  }
  return *this;
}
template <class T>
Tensor<T>::~Tensor() {
  if (impl_) impl_->release();
}

template <class T>
const detail::TensorImpl<T>& Tensor<T>::checked() const {
  if (!impl_) throw ValueError("Tensor: expected a defined tensor, received an undefined one");
  return *impl_;
}

template <class T>
const Shape& Tensor<T>::shape() const {
  return checked().shape;
}
template <class T>
std::size_t Tensor<T>::size() const {
  return checked().shape.numel();
}
template <class T>
T* Tensor<T>::data() {
  return checked().data;
}
template <class T>
const T* Tensor<T>::data() const {
  return checked().data;
}
template <class T>
std::uint64_t Tensor<T>::id() const {
  return impl_ ? impl_->id : 0;
}

template <class T>
T Tensor<T>::item() const {
  if (size() != 1)
    throw ShapeError("Tensor::item: expected a tensor of size 1, received shape " + shape().str());
  return impl_->data[0];
}

namespace {
std::size_t flat_index(const Shape& s, std::initializer_list<std::size_t> index) {
  if (index.size() != s.rank())
    throw IndexError("Tensor::at: expected " + std::to_string(s.rank()) + " indices, received " +
                     std::to_string(index.size()));
  std::size_t flat = 0, k = 0;
  for (auto i : index) {
    if (i >= s[k])
      throw IndexError("Tensor::at: index " + std::to_string(i) + " on axis " + std::to_string(k) +
                       " expected < " + std::to_string(s[k]) + " for shape " + s.str());
    flat = flat * s[k] + i;
    ++k;
  }
  return flat;
}
}  // namespace

template <class T>
T Tensor<T>::at(std::initializer_list<std::size_t> index) const {
  return checked().data[flat_index(impl_->shape, index)];
}
template <class T>
T& Tensor<T>::at(std::initializer_list<std::size_t> index) {
  return checked(), impl_->data[flat_index(impl_->shape, index)];
}

template <class T>
std::vector<T> Tensor<T>::to_vector() const {
  const auto& im = checked();
  return std::vector<T>(im.data, im.data + im.shape.numel());
}

template <class T>
bool Tensor<T>::all_finite() const {
  if (!impl_) return true;
  const T* p = impl_->data;
  for (std::size_t i = 0, n = impl_->shape.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

template <class T>
Tensor<T> Tensor<T>::clone() const {
  const auto& im = checked();
  return Tensor(im.shape, im.data);
}

template <class T>
void Tensor<T>::fill(T value) {
  std::fill_n(data(), size(), value);
}

template <class T>
Tensor<T> Tensor<T>::view_as(const Shape& s) const {
  const auto& im = checked();
  if (s.numel() != im.shape.numel())
    throw ShapeError("Tensor::view_as: cannot view shape " + im.shape.str() + " (" +
                     std::to_string(im.shape.numel()) + " elements) as " + s.str() + " (" +
                     std::to_string(s.numel()) + " elements)");
  return Tensor(detail::TensorImpl<T>::create(s, im.buffer));
}

template <class T>
bool Tensor<T>::storage_unique() const {
  const auto& im = checked();
  return im.refs.load(std::memory_order_acquire) == 1 &&
         im.buffer->refs.load(std::memory_order_acquire) == 1;
}

template <class T>
void Tensor<T>::set_trainable_variable(bool on) {
  checked();
  impl_->trainable_variable = on;
}
template <class T>
bool Tensor<T>::is_trainable_variable() const {
  return impl_ && impl_->trainable_variable;
}

template <class T>
std::uint64_t Tensor<T>::tape_tag(int slot) const {
  return impl_ ? impl_->tape_tags[slot] : 0;
}
template <class T>
void Tensor<T>::set_tape_tag(int slot, std::uint64_t tag) const {
  checked();
  impl_->tape_tags[slot] = tag;
}

template class Tensor<float>;
template class Tensor<double>;

}  // namespace loom
