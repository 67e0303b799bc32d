#pragma once
// Internal to the fused recurrent ops (gru.cpp, lstm.cpp): argument checks and the time-major copy
// of the input that their kernels project.
#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/tensor.hpp"

namespace loom::rnn_op {

// ValueError for an undefined tensor, ShapeError for another shape; both name `what`.
template <class T>
void expect_shape(const std::string& op, const Tensor<T>& t, const Shape& want, const char* what) {
  if (!t.defined())
    throw ValueError(op + ": " + what + " expected a defined tensor of shape " + want.str() +
                     ", received an undefined one");
  if (t.shape() != want)
    throw ShapeError(op + ": " + what + " expected shape " + want.str() + ", received " +
                     t.shape().str());
}

// Dropout masks: 0, 1 (shared by every gate) or `gates` (one per gate, named in `gate_names`),
// each of shape `want`.
template <class T>
void check_masks(const std::string& op, const std::vector<Tensor<T>>& masks, std::size_t gates,
                 const char* gate_names, const Shape& want, const char* what) {
  if (masks.size() != 0 && masks.size() != 1 && masks.size() != gates)
    throw ValueError(op + ": " + what + " expected 0, 1 or " + std::to_string(gates) +
                     " masks (none, one for all gates, or " + gate_names + "), received " +
                     std::to_string(masks.size()));
  for (const auto& m : masks) expect_shape(op, m, want, what);
}

// x (B, Tn, I) (or (B, I) when Tn = 1) copied time-major ((Tn, B, I), row t*B + b), once per input dropout mask (times
// that mask) or once without: one GEMM then projects every step, and each step's projection is
// contiguous. One step without dropout is already in that layout and is used as it is.
template <class T>
std::vector<Tensor<T>> time_major_inputs(const Tensor<T>& x, std::size_t B, std::size_t Tn,
                                         std::size_t I, const std::vector<Tensor<T>>& masks) {
  if (Tn == 1 && masks.empty()) return {x};
  std::vector<Tensor<T>> out;
  for (std::size_t g = 0; g < (masks.empty() ? 1 : masks.size()); ++g) {
    auto xt = Tensor<T>::empty({Tn, B, I});
    const T* xs = x.data();
    const T* ms = masks.empty() ? nullptr : masks[g].data();
    T* o = xt.data();
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t t = 0; t < Tn; ++t) {
        const T* src = xs + (b * Tn + t) * I;
        T* dst = o + (t * B + b) * I;
        if (ms == nullptr)
          std::copy(src, src + I, dst);
        else
          for (std::size_t i = 0; i < I; ++i) dst[i] = src[i] * ms[b * I + i];
      }
    out.push_back(std::move(xt));
  }
  return out;
}

}  // namespace loom::rnn_op
