#pragma once
// Conversions between loom::Tensor and xt::xarray. Kept apart from tensor.hpp because
// <xtensor/xarray.hpp> adds about a second to every translation unit that includes it.
#include <xtensor/xarray.hpp>

#include "core/tensor.hpp"

namespace loom {

template <class T>
Tensor<T> from_xarray(const xt::xarray<T>& a);
template <class T>
xt::xarray<T> to_xarray(const Tensor<T>& t);

extern template Tensor<float> from_xarray(const xt::xarray<float>&);
extern template Tensor<double> from_xarray(const xt::xarray<double>&);
extern template xt::xarray<float> to_xarray(const Tensor<float>&);
extern template xt::xarray<double> to_xarray(const Tensor<double>&);

}  // namespace loom
