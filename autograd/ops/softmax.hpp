#pragma once
// softmax and log_softmax along one axis, computed stably (max subtracted first).
#include "core/tensor.hpp"

namespace loom {

template <class T> Tensor<T> softmax(const Tensor<T>& x, long axis = -1);
template <class T> Tensor<T> log_softmax(const Tensor<T>& x, long axis = -1);

extern template Tensor<float> softmax(const Tensor<float>&, long);
extern template Tensor<double> softmax(const Tensor<double>&, long);
extern template Tensor<float> log_softmax(const Tensor<float>&, long);
extern template Tensor<double> log_softmax(const Tensor<double>&, long);

}  // namespace loom
