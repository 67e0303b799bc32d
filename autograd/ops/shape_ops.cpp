#include "autograd/ops/shape_ops.hpp"

#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace loom {
namespace {

template <class T>
void check_defined(const char* op, const Tensor<T>& x) {
  if (!x.defined())
    throw ValueError(std::string(op) + ": expected a defined tensor, received an undefined one");
}

std::size_t norm_axis(const char* op, long axis, std::size_t rank) {
  const long r = static_cast<long>(rank);
  const long a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw IndexError(std::string(op) + ": axis expected in [" + std::to_string(-r) + ", " +
                     std::to_string(r) + "), received " + std::to_string(axis));
  return static_cast<std::size_t>(a);
}

// A tensor seen as (outer, n, inner) around `axis`.
struct Around {
  std::size_t outer = 1, n = 1, inner = 1;
};
Around around(const Shape& s, std::size_t a) {
  Around r;
  for (std::size_t i = 0; i < a; ++i) r.outer *= s[i];
  r.n = s[a];
  for (std::size_t i = a + 1; i < s.rank(); ++i) r.inner *= s[i];
  return r;
}

// Copies rows [0, len) of src's axis block into dst's block at offset `at` (both as (outer, n, inner)).
template <class T>
void copy_block(const T* src, Around s, T* dst, Around d, std::size_t at, std::size_t from, std::size_t len) {
  const std::size_t bytes = len * s.inner * sizeof(T);
  if (!bytes) return;
  for (std::size_t o = 0; o < s.outer; ++o)
    std::memcpy(dst + (o * d.n + at) * d.inner, src + (o * s.n + from) * s.inner, bytes);
}

}  // namespace

template <class T>
Tensor<T> reshape(const Tensor<T>& x, const std::vector<long>& shape) {
  check_defined("reshape", x);
  Shape s;
  long infer = -1;
  std::size_t known = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0)
        throw ValueError("reshape: expected at most one -1 in the new shape, received two");
      infer = static_cast<long>(i);
      s.push_back(1);
    } else if (shape[i] < 0) {
      throw ValueError("reshape: dimensions expected >= 0 or -1, received " + std::to_string(shape[i]));
    } else {
      s.push_back(static_cast<std::size_t>(shape[i]));
      known *= static_cast<std::size_t>(shape[i]);
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.size() % known != 0)
      throw ShapeError("reshape: cannot infer -1 to reshape " + x.shape().str() + " (" +
                       std::to_string(x.size()) + " elements)");
    s[static_cast<std::size_t>(infer)] = x.size() / known;
  }
  if (s.numel() != x.size())
    throw ShapeError("reshape: cannot reshape " + x.shape().str() + " (" + std::to_string(x.size()) +
                     " elements) into " + s.str() + " (" + std::to_string(s.numel()) + " elements)");
  auto out = x.view_as(s);
  if (autograd::should_record<T>({&x})) {
    autograd::record<T>("reshape", {&x}, {&out},
                        [xs = x.shape()](BackwardCtx<T>& c) { c.grad_in[0] = c.g().clone().view_as(xs); });
  }
  return out;
}

template <class T>
Tensor<T> slice(const Tensor<T>& x, long axis, std::size_t start, std::size_t stop) {
  check_defined("slice", x);
  const std::size_t a = norm_axis("slice", axis, x.rank());
  const Shape& s = x.shape();
  if (start > stop || stop > s[a])
    throw IndexError("slice: expected 0 <= start <= stop <= " + std::to_string(s[a]) + " on axis " +
                     std::to_string(axis) + " of shape " + s.str() + ", received start=" +
                     std::to_string(start) + " stop=" + std::to_string(stop));
  Shape os = s;
  os[a] = stop - start;
  auto out = Tensor<T>::empty(os);
  const Around si = around(s, a), so = around(os, a);
  copy_block(x.data(), si, out.data(), so, 0, start, stop - start);
  if (autograd::should_record<T>({&x})) {
    autograd::record<T>("slice", {&x}, {&out}, [s, si, so, start](BackwardCtx<T>& c) {
      auto gx = Tensor<T>::zeros(s);
      copy_block(c.g().data(), so, gx.data(), si, start, 0, so.n);
      c.grad_in[0] = std::move(gx);
    });
  }
  return out;
}

template <class T>
Tensor<T> take(const Tensor<T>& x, long axis, std::size_t index) {
  check_defined("take", x);
  const std::size_t a = norm_axis("take", axis, x.rank());
  // Checked here so that the message is take's, not that of the slice it is made of.
  if (index >= x.shape()[a])
    throw IndexError("take: argument 'index' expected in [0, " + std::to_string(x.shape()[a]) + ") along axis " +
                     std::to_string(axis) + " of shape " + x.shape().str() + ", received " + std::to_string(index));
  auto sl = slice(x, axis, index, index + 1);
  Shape os;
  for (std::size_t i = 0; i < x.rank(); ++i)
    if (i != a) os.push_back(x.shape()[i]);
  std::vector<long> dims(os.begin(), os.end());
  return reshape(sl, dims);
}

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, long axis) {
  if (xs.empty()) throw ValueError("concat: expected at least one tensor, received none");
  for (const auto& x : xs) check_defined("concat", x);
  const Shape& s0 = xs[0].shape();
  const std::size_t a = norm_axis("concat", axis, s0.rank());
  Shape os = s0;
  os[a] = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    bool ok = s.rank() == s0.rank();
    for (std::size_t d = 0; ok && d < s.rank(); ++d) ok = d == a || s[d] == s0[d];
    if (!ok)
      throw ShapeError("concat: tensor " + std::to_string(i) + " has shape " + s.str() +
                       ", expected " + s0.str() + " except along axis " + std::to_string(axis));
    os[a] += s[a];
  }
  auto out = Tensor<T>::empty(os);
  const Around ao = around(os, a);
  std::vector<std::size_t> offsets;
  std::size_t at = 0;
  for (const auto& x : xs) {
    offsets.push_back(at);
    const Around ai = around(x.shape(), a);
    copy_block(x.data(), ai, out.data(), ao, at, 0, ai.n);
    at += ai.n;
  }
  std::span<const Tensor<T>> ins(xs.data(), xs.size());
  if (autograd::should_record<T>(ins)) {
    std::vector<Shape> shapes;
    for (const auto& x : xs) shapes.push_back(x.shape());
    autograd::record<T>("concat", ins, std::span<const Tensor<T>>(&out, 1),
                        [shapes, offsets, ao, a](BackwardCtx<T>& c) {
      for (std::size_t i = 0; i < shapes.size(); ++i) {
        if (!c.need(i)) continue;
        auto gi = Tensor<T>::empty(shapes[i]);
        const Around ai = around(shapes[i], a);
        copy_block(c.g().data(), ao, gi.data(), ai, 0, offsets[i], ai.n);
        c.grad_in[i] = std::move(gi);
      }
    });
  }
  return out;
}

template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& xs, long axis) {
  if (xs.empty()) throw ValueError("stack: expected at least one tensor, received none");
  for (const auto& x : xs) check_defined("stack", x);
  const Shape& s0 = xs[0].shape();
  const std::size_t a = norm_axis("stack", axis, s0.rank() + 1);
  std::vector<Tensor<T>> expanded;
  expanded.reserve(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape() != s0)
      throw ShapeError("stack: tensor " + std::to_string(i) + " has shape " + xs[i].shape().str() +
                       ", expected " + s0.str());
    std::vector<long> d(s0.begin(), s0.end());
    d.insert(d.begin() + static_cast<long>(a), 1);
    expanded.push_back(reshape(xs[i], d));
  }
  return concat(expanded, static_cast<long>(a));
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, const std::vector<std::size_t>& sizes, long axis) {
  check_defined("split", x);
  const std::size_t a = norm_axis("split", axis, x.rank());
  std::size_t total = 0;
  for (auto s : sizes) total += s;
  if (total != x.shape()[a])
    throw ValueError("split: sizes expected to sum to " + std::to_string(x.shape()[a]) +
                     " (axis " + std::to_string(axis) + " of " + x.shape().str() + "), received " +
                     std::to_string(total));
  std::vector<Tensor<T>> parts;
  std::size_t at = 0;
  for (auto s : sizes) {
    parts.push_back(slice(x, axis, at, at + s));
    at += s;
  }
  return parts;
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, std::size_t num, long axis) {
  check_defined("split", x);
  const std::size_t a = norm_axis("split", axis, x.rank());
  if (num == 0 || x.shape()[a] % num != 0)
    throw ValueError("split: num expected to divide " + std::to_string(x.shape()[a]) + " (axis " +
                     std::to_string(axis) + " of " + x.shape().str() + "), received " +
                     std::to_string(num));
  return split(x, std::vector<std::size_t>(num, x.shape()[a] / num), axis);
}

template <class T>
Tensor<T> reverse(const Tensor<T>& x, long axis) {
  check_defined("reverse", x);
  const std::size_t a = norm_axis("reverse", axis, x.rank());
  const Around ar = around(x.shape(), a);
  auto flip = [ar](const T* src, T* dst) {
    for (std::size_t o = 0; o < ar.outer; ++o)
      for (std::size_t k = 0; k < ar.n; ++k)
        std::memcpy(dst + (o * ar.n + k) * ar.inner, src + (o * ar.n + (ar.n - 1 - k)) * ar.inner,
                    ar.inner * sizeof(T));
  };
  auto out = Tensor<T>::empty(x.shape());
  flip(x.data(), out.data());
  if (autograd::should_record<T>({&x})) {
    autograd::record<T>("reverse", {&x}, {&out}, [flip](BackwardCtx<T>& c) {
      auto gx = Tensor<T>::empty(c.g().shape());
      flip(c.g().data(), gx.data());
      c.grad_in[0] = std::move(gx);
    });
  }
  return out;
}

#define LOOM_INSTANTIATE_SHAPE_OPS(T)                                                        \
  template Tensor<T> reshape(const Tensor<T>&, const std::vector<long>&);                    \
  template Tensor<T> slice(const Tensor<T>&, long, std::size_t, std::size_t);                \
  template Tensor<T> take(const Tensor<T>&, long, std::size_t);                              \
  template Tensor<T> concat(const std::vector<Tensor<T>>&, long);                            \
  template Tensor<T> stack(const std::vector<Tensor<T>>&, long);                             \
  template std::vector<Tensor<T>> split(const Tensor<T>&, std::size_t, long);                \
  template std::vector<Tensor<T>> split(const Tensor<T>&, const std::vector<std::size_t>&, long); \
  template Tensor<T> reverse(const Tensor<T>&, long);
LOOM_INSTANTIATE_SHAPE_OPS(float)
LOOM_INSTANTIATE_SHAPE_OPS(double)

}  // namespace loom
