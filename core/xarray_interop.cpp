#include "core/xarray_interop.hpp"

#include <algorithm>

namespace loom {

template <class T>
Tensor<T> from_xarray(const xt::xarray<T>& a) {
  Shape s(a.shape().begin(), a.shape().end());
  auto t = Tensor<T>::empty(s);
  // xarray may be column-major or strided; copying element-wise in row-major order is exact.
  if (a.layout() == xt::layout_type::row_major) {
    std::copy(a.data(), a.data() + a.size(), t.data());
  } else {
    std::copy(a.begin(), a.end(), t.data());
  }
  return t;
}

template <class T>
xt::xarray<T> to_xarray(const Tensor<T>& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  xt::xarray<T> a = xt::xarray<T>::from_shape(shape);
  std::copy(t.data(), t.data() + t.size(), a.data());
  return a;
}

template Tensor<float> from_xarray(const xt::xarray<float>&);
template Tensor<double> from_xarray(const xt::xarray<double>&);
template xt::xarray<float> to_xarray(const Tensor<float>&);
template xt::xarray<double> to_xarray(const Tensor<double>&);

}  // namespace loom
