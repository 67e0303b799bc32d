#pragma once
// Helpers for the RNN-family tests: Keras's constant-weight test cells (rnn_test.py), arange
// inputs, a gradcheck binding for layer weights, and small tensor utilities.
#include <memory>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace loom::testing {

// numpy arange(n) reshaped to `shape`.
template <class T>
Tensor<T> arange_tensor(const Shape& shape) {
  auto t = Tensor<T>::empty(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(i);
  return t;
}

template <class T>
Tensor<T> rand_tensor(const Shape& s, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Generator g(seed);
  return random::uniform<T>(s, lo, hi, g);
}

// A (B, T) mask from rows of 0/1.
template <class T>
Tensor<T> mask_tensor(const std::vector<std::vector<int>>& rows) {
  const std::size_t b = rows.size(), t = rows[0].size();
  auto m = Tensor<T>::empty(Shape{b, t});
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < t; ++j) m.data()[i * t + j] = static_cast<T>(rows[i][j]);
  return m;
}

// Keras rnn_test.py's OneStateRNNCell: y = x·1 + h·1, state y.
template <class T>
class OneStateCell : public RNNCell<T> {
 public:
  explicit OneStateCell(std::size_t units) : RNNCell<T>(unique_layer_name("one_state_cell")), units_(units) {}
  using RNNCell<T>::call;
  std::vector<std::size_t> state_size() const override { return {units_}; }
  std::size_t output_size() const override { return units_; }
  void build(const Shape& s) override {
    k_ = this->add_weight("kernel", {s.dim(-1), units_}, std::make_shared<Ones>());
    r_ = this->add_weight("recurrent_kernel", {units_, units_}, std::make_shared<Ones>());
    RNNCell<T>::build(s);
  }
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& s, bool) override {
    auto y = matmul(x, k_.value()) + matmul(s[0], r_.value());
    return {y, {y}};
  }

 private:
  std::size_t units_;
  Variable<T> k_, r_;
};

// Keras rnn_test.py's TwoStatesRNNCell: y1 = x·1 + s0·1, y2 = x·1 + s0·1 (both read state 0, a
// quirk of the Keras test cell), output y1 + y2, states [y1, y2].
template <class T>
class TwoStatesCell : public RNNCell<T> {
 public:
  explicit TwoStatesCell(std::size_t units) : RNNCell<T>(unique_layer_name("two_states_cell")), units_(units) {}
  using RNNCell<T>::call;
  std::vector<std::size_t> state_size() const override { return {units_, units_}; }
  std::size_t output_size() const override { return units_; }
  void build(const Shape& s) override {
    k_ = this->add_weight("kernel", {s.dim(-1), units_}, std::make_shared<Ones>());
    r1_ = this->add_weight("recurrent_kernel_1", {units_, units_}, std::make_shared<Ones>());
    r2_ = this->add_weight("recurrent_kernel_2", {units_, units_}, std::make_shared<Ones>());
    RNNCell<T>::build(s);
  }
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& s, bool) override {
    auto y1 = matmul(x, k_.value()) + matmul(s[0], r1_.value());
    auto y2 = matmul(x, k_.value()) + matmul(s[0], r2_.value());
    return {y1 + y2, {y1, y2}};
  }

 private:
  std::size_t units_;
  Variable<T> k_, r1_, r2_;
};

// Every element of `t` (shape (B, ...)) in row b equals the value listed for b.
template <class T>
::testing::AssertionResult rows_equal(const Tensor<T>& t, const std::vector<double>& per_row, double atol) {
  const std::size_t b = t.dim(0), n = t.size() / b;
  if (per_row.size() != b) return ::testing::AssertionFailure() << "row count " << b;
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (std::abs(t.data()[i * n + j] - per_row[i]) > atol)
        return ::testing::AssertionFailure() << "row " << i << " element " << j << ": " << t.data()[i * n + j]
                                             << " vs " << per_row[i];
  return ::testing::AssertionSuccess();
}

// Gradchecks f over x (and extra inputs) plus every weight of `layer` (set to random values in
// (-0.5, 0.5)); f gets the non-weight inputs. Prints and returns the max relative error.
template <class Fn>
double layer_gradcheck(const std::string& label, Layer<double>& layer, std::vector<Tensor<double>> inputs, Fn f,
                       std::uint64_t seed = 7) {
  const auto weights = layer.weights();
  Generator g(seed);
  std::vector<Tensor<double>> values;
  for (const auto& w : weights) values.push_back(random::uniform<double>(w.shape(), -0.5, 0.5, g));
  auto r = gradcheck_weights(f, inputs, weights, values);
  std::printf("[ gradcheck ] %-48s %zu weights, max rel error %.3g\n", label.c_str(), weights.size(),
              r.max_rel_error);
  EXPECT_TRUE(r.ok) << label << ": " << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6) << label;
  return r.max_rel_error;
}

// Flattens and concatenates tensors, so that a gradcheck covers several results at once.
inline Tensor<double> flat_concat(const std::vector<Tensor<double>>& ts) {
  std::vector<Tensor<double>> parts;
  for (const auto& t : ts) parts.push_back(reshape(t, {-1}));
  return concat(parts, 0);
}

}  // namespace loom::testing
