#pragma once
// Shared pieces of the whole-model file tests: models with every layer kind, data, comparisons.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../train/fit_util.hpp"

namespace loom::testing {

// Ids in [0, 12) with trailing zeros (masked by Embedding(mask_zero)), and two targets per sample.
inline Tensor<float> ids(std::size_t n) {
  Tensor<float> x = Tensor<float>::empty(Shape{n, 6});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t t = 0; t < 6; ++t)
      x.data()[i * 6 + t] = static_cast<float>(t + i % 4 < 8 ? (i * 7 + t * 5) % 11 + 1 : 0);
  return x;
}

inline Tensor<float> targets(std::size_t n) {
  Tensor<float> y = Tensor<float>::empty(Shape{n, 2});
  for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(std::sin(0.37 * i));
  return y;
}

// Embedding(mask_zero) -> Bidirectional(GRU, sequences) -> LSTM -> Dropout -> Dense.
inline std::shared_ptr<Sequential<float>> every_layer_model() {
  auto m = std::make_shared<Sequential<float>>();
  m->add(Embedding(12, 4, {.mask_zero = true}));
  m->add(Bidirectional(GRU(3, {}, {.return_sequences = true})));
  m->add(LSTM(3));
  m->add(Dropout(0.25));
  m->add(Dense(2, {.activation = "tanh"}));
  m->build(Shape{1, 6});
  return m;
}

inline std::vector<Tensor<float>> snapshot(const Layer<float>& m) {
  std::vector<Tensor<float>> out;
  for (const auto& w : m.weights()) out.push_back(w.value().clone());
  return out;
}

inline bool same_weights(const Layer<float>& m, const std::vector<Tensor<float>>& w) {
  const auto ws = m.weights();
  if (ws.size() != w.size()) return false;
  for (std::size_t i = 0; i < ws.size(); ++i)
    if (!bit_equal(ws[i].value(), w[i])) return false;
  return true;
}

}  // namespace loom::testing
