#pragma once
// Shared by the fused-GRU tests: a composite GRU built from primitive ops (the oracle of the fused
// op, following the Keras equations of docs/keras_contract.md §1.4, §2 and §5.3 step by step),
// random inputs and the configurations the tests sweep.
#include <string>
#include <vector>

#include "test_util.hpp"

namespace loom::testing::gru {

template <class T>
Tensor<T> activate(RnnActivation a, const Tensor<T>& x) {
  switch (a) {
    case RnnActivation::tanh: return loom::tanh(x);
    case RnnActivation::sigmoid: return loom::sigmoid(x);
    case RnnActivation::hard_sigmoid: return loom::hard_sigmoid(x);
    case RnnActivation::relu: return loom::relu(x);
    case RnnActivation::linear: break;
  }
  return x;
}

template <class T>
const Tensor<T>& pick(const std::vector<Tensor<T>>& masks, std::size_t g) {
  return masks[masks.size() == 1 ? 0 : g];
}

// The oracle: one step at a time, primitive ops only.
template <class T>
GruSequenceResult<T> composite(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& kernel,
                               const Tensor<T>& rkernel, const Tensor<T>& bias,
                               const GruSequenceOptions<T>& o) {
  const std::size_t B = x.dim(0), Tn = x.dim(1), U = h0.dim(1);
  auto K = split(kernel, 3, 1);
  auto R = split(rkernel, 3, 1);
  std::vector<Tensor<T>> bx, bh;
  if (bias.defined()) {
    if (o.reset_after) {
      bx = split(take(bias, 0, 0), 3, 0);
      bh = split(take(bias, 0, 1), 3, 0);
    } else {
      bx = split(bias, 3, 0);
    }
  }
  auto plus_bias = [&](const Tensor<T>& v, const std::vector<Tensor<T>>& b, std::size_t g) {
    return b.empty() ? v : v + b[g];
  };
  Tensor<T> h = h0;
  Tensor<T> y_prev = Tensor<T>::zeros({B, U});
  std::vector<Tensor<T>> outs;
  for (std::size_t s = 0; s < Tn; ++s) {
    const std::size_t t = o.go_backwards ? Tn - 1 - s : s;
    const Tensor<T> xt = take(x, 1, t);
    auto xin = [&](std::size_t g) {
      return o.input_dropout.empty() ? xt : xt * pick(o.input_dropout, g);
    };
    auto hin = [&](std::size_t g) {
      return o.recurrent_dropout.empty() ? h : h * pick(o.recurrent_dropout, g);
    };
    const auto xz = plus_bias(matmul(xin(0), K[0]), bx, 0);
    const auto xr = plus_bias(matmul(xin(1), K[1]), bx, 1);
    const auto xh = plus_bias(matmul(xin(2), K[2]), bx, 2);
    Tensor<T> z, r, hh;
    if (o.reset_after) {
      z = activate(o.recurrent_activation, xz + plus_bias(matmul(hin(0), R[0]), bh, 0));
      r = activate(o.recurrent_activation, xr + plus_bias(matmul(hin(1), R[1]), bh, 1));
      hh = activate(o.activation, xh + r * plus_bias(matmul(hin(2), R[2]), bh, 2));
    } else {
      z = activate(o.recurrent_activation, xz + matmul(hin(0), R[0]));
      r = activate(o.recurrent_activation, xr + matmul(hin(1), R[1]));
      hh = activate(o.activation, xh + matmul(r * hin(2), R[2]));
    }
    const auto hn = z * h + (T(1) - z) * hh;
    if (o.mask.defined()) {
      // m in {0, 1}, so these blends are exact selections.
      const auto m = reshape(take(o.mask, 1, t), {long(B), 1});
      const auto fill = o.zero_output_for_mask ? Tensor<T>::zeros({B, U}) : y_prev;
      const auto y = m * hn + (T(1) - m) * fill;
      h = m * hn + (T(1) - m) * h;
      y_prev = y;
    } else {
      h = hn;
      y_prev = hn;
    }
    outs.push_back(y_prev);
  }
  return {stack(outs, 1), h};
}

template <class T>
Tensor<T> rnd(const Shape& s, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Generator g(seed);
  return random::uniform<T>(s, lo, hi, g);
}

// A scaled dropout mask (0 or 1/(1-rate)).
template <class T>
Tensor<T> dropout_mask(const Shape& s, double rate, std::uint64_t seed) {
  Generator g(seed);
  auto m = Tensor<T>::empty(s);
  for (std::size_t i = 0; i < m.size(); ++i)
    m.data()[i] = g.bernoulli(rate) ? T(0) : T(1.0 / (1.0 - rate));
  return m;
}

// n scaled dropout masks of one shape, seeds seed, seed + 1, ...
template <class T>
std::vector<Tensor<T>> dropout_masks(int n, const Shape& s, double rate, std::uint64_t seed) {
  std::vector<Tensor<T>> out;
  for (int g = 0; g < n; ++g) out.push_back(dropout_mask<T>(s, rate, seed + g));
  return out;
}

// A (B, Tn) sequence mask: sample 0 is right-padded, sample 1 has a hole and a masked first step,
// the rest are random.
template <class T>
Tensor<T> test_mask(std::size_t B, std::size_t Tn, std::uint64_t seed) {
  auto m = Tensor<T>::ones({B, Tn});
  Generator g(seed);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < Tn; ++t) {
      const bool keep = b == 0 ? t + 1 < Tn : b == 1 ? (t != 0 && t != 2) : g.bernoulli(0.6);
      m.data()[b * Tn + t] = keep ? T(1) : T(0);
    }
  return m;
}

struct GruConfig {
  std::string name;
  bool reset_after = true;
  bool use_bias = true;
  bool go_backwards = false;
  bool mask = false;
  bool zero_output_for_mask = false;
  int input_masks = 0;      // 0, 1 (implementation 2) or 3 (implementation 1)
  int recurrent_masks = 0;  // 0 or 3
  RnnActivation activation = RnnActivation::tanh;
  RnnActivation recurrent_activation = RnnActivation::sigmoid;
};

inline std::vector<GruConfig> configs() {
  using A = RnnActivation;
  return {
      {"reset_after", true},
      {"reset_before", false},
      {"no_bias", true, false},
      {"no_bias_reset_before", false, false},
      {"go_backwards", true, true, true},
      {"go_backwards_reset_before", false, true, true},
      {"mask_carry", true, true, false, true},
      {"mask_zero_output", true, true, false, true, true},
      {"mask_backwards_reset_before", false, true, true, true},
      {"dropout_impl2", true, true, false, false, false, 1},
      {"dropout_impl1", true, true, false, false, false, 3, 3},
      {"dropout_impl1_reset_before", false, true, false, false, false, 3, 3},
      {"dropout_mask_backwards", true, true, true, true, false, 3, 3},
      {"hard_sigmoid", true, true, false, false, false, 0, 0, A::tanh, A::hard_sigmoid},
      {"hard_sigmoid_reset_before", false, true, false, false, false, 0, 0, A::tanh,
       A::hard_sigmoid},
      {"relu_linear", true, true, false, false, false, 0, 0, A::relu, A::linear},
      {"linear_tanh_reset_before", false, true, false, false, false, 0, 0, A::linear, A::tanh},
  };
}

template <class T>
struct Problem {
  Tensor<T> x, h0, kernel, rkernel, bias;
  GruSequenceOptions<T> opt;
};

template <class T>
Problem<T> make_problem(const GruConfig& c, std::size_t B, std::size_t Tn, std::size_t I,
                        std::size_t U, std::uint64_t seed) {
  Problem<T> p;
  p.x = rnd<T>({B, Tn, I}, seed);
  p.h0 = rnd<T>({B, U}, seed + 1, -0.5, 0.5);
  // Unbounded activations get smaller weights, so that values (and float rounding) stay O(1).
  const bool bounded = c.activation == RnnActivation::tanh || c.activation == RnnActivation::sigmoid;
  const double w = bounded ? 0.6 : 0.25;
  p.kernel = rnd<T>({I, 3 * U}, seed + 2, -w, w);
  p.rkernel = rnd<T>({U, 3 * U}, seed + 3, -w, w);
  if (c.use_bias)
    p.bias = c.reset_after ? rnd<T>({2, 3 * U}, seed + 4, -0.3, 0.3)
                           : rnd<T>({3 * U}, seed + 4, -0.3, 0.3);
  p.opt.reset_after = c.reset_after;
  p.opt.go_backwards = c.go_backwards;
  p.opt.zero_output_for_mask = c.zero_output_for_mask;
  p.opt.activation = c.activation;
  p.opt.recurrent_activation = c.recurrent_activation;
  if (c.mask) p.opt.mask = test_mask<T>(B, Tn, seed + 5);
  p.opt.input_dropout = dropout_masks<T>(c.input_masks, {B, I}, 0.3, seed + 10);
  p.opt.recurrent_dropout = dropout_masks<T>(c.recurrent_masks, {B, U}, 0.25, seed + 20);
  return p;
}

}  // namespace loom::testing::gru
