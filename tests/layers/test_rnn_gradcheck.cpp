// Double-precision gradchecks of the RNN family (max relative error <= 1e-6): RNN over each cell
// type, with masks, with go_backwards, stacked, and Bidirectional. Inputs checked: x, the initial
// states and every weight.
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {
using CellP = std::shared_ptr<RNNCell<double>>;
const std::size_t B = 2, T = 3, F = 3;

struct Case {
  std::string label;
  std::function<CellP()> make;
  RNNOptions options;
  bool masked = false;
};

void run_case(const Case& c) {
  RNN<double> rnn(c.make(), c.options);
  auto x = rand_tensor<double>(Shape{B, T, F}, 61);
  rnn.build(x.shape());
  std::vector<Tensor<double>> inputs = {x};
  std::uint64_t seed = 62;
  for (std::size_t s : rnn.cell()->state_size()) inputs.push_back(rand_tensor<double>(Shape{B, s}, seed++, -0.5, 0.5));
  // A fully masked step in sample 0, a masked first step in sample 1.
  const auto mask = mask_tensor<double>({{1, 0, 1}, {0, 1, 1}});
  layer_gradcheck(c.label, rnn, inputs, [&](const std::vector<Tensor<double>>& xs) {
    std::vector<Tensor<double>> init(xs.begin() + 1, xs.end());
    auto r = rnn.call_full(xs[0], init, c.masked ? mask : Tensor<double>());
    std::vector<Tensor<double>> parts = {r.output};
    parts.insert(parts.end(), r.states.begin(), r.states.end());
    return flat_concat(parts);
  });
}

std::vector<std::pair<std::string, std::function<CellP()>>> cell_kinds() {
  return {
      {"GRU", [] { return CellP(std::make_shared<GRUCell<double>>(3)); }},
      {"GRU reset_after=false", [] { return CellP(std::make_shared<GRUCell<double>>(3, GRUCellOptions{.reset_after = false})); }},
      {"LSTM", [] { return CellP(std::make_shared<LSTMCell<double>>(3)); }},
      {"LSTM impl 1", [] { return CellP(std::make_shared<LSTMCell<double>>(3, LSTMCellOptions{.implementation = 1})); }},
      {"SimpleRNN", [] { return CellP(std::make_shared<SimpleRNNCell<double>>(3)); }},
      {"stacked LSTM+GRU+SimpleRNN", [] {
         return CellP(std::make_shared<StackedRNNCells<double>>(std::vector<CellP>{
             std::make_shared<LSTMCell<double>>(3), std::make_shared<GRUCell<double>>(2),
             std::make_shared<SimpleRNNCell<double>>(2)}));
       }},
  };
}
}  // namespace

TEST(RNNGradcheck, EachCellPlainMaskedBackwards) {
  for (const auto& [name, make] : cell_kinds())
    for (bool fused : {false, true}) {
      if (fused && name.rfind("GRU", 0) != 0) continue;  // the fused op exists only for a single GRU cell
      const std::string tag = name + (fused ? " (fused)" : "");
      run_case({tag + " last", make, {.use_fused = fused}});
      run_case({tag + " sequences", make, {.return_sequences = true, .use_fused = fused}});
      run_case({tag + " masked", make, {.return_sequences = true, .use_fused = fused}, true});
      run_case({tag + " masked zero_output", make, {.return_sequences = true, .zero_output_for_mask = true, .use_fused = fused}, true});
      run_case({tag + " go_backwards masked", make, {.go_backwards = true, .use_fused = fused}, true});
    }
}

TEST(RNNGradcheck, CellDropoutWithHeldMasks) {
  // Training with dropout: the masks are drawn at the first evaluation and held (the cell is
  // stepped directly, without the RNN's per-call reset), so every evaluation is the same function.
  for (int impl : {1, 2}) {
    LSTMCell<double> lstm(3, {.dropout = 0.3, .recurrent_dropout = impl == 1 ? 0.3 : 0.0, .implementation = impl, .seed = 4});
    SimpleRNNCell<double> simple(3, {.dropout = 0.3, .recurrent_dropout = 0.3, .seed = 4});
    for (RNNCell<double>* cell : {static_cast<RNNCell<double>*>(&lstm), static_cast<RNNCell<double>*>(&simple)}) {
      if (cell == &simple && impl == 2) continue;
      cell->build(Shape{B, F});
      std::vector<Tensor<double>> inputs = {rand_tensor<double>(Shape{B, F}, 71)};
      for (std::size_t s : cell->state_size()) inputs.push_back(rand_tensor<double>(Shape{B, s}, 72 + s));
      layer_gradcheck(cell->name() + " dropout impl " + std::to_string(impl), *cell, inputs,
                      [&](const std::vector<Tensor<double>>& xs) {
                        auto r = cell->call(xs[0], std::vector<Tensor<double>>(xs.begin() + 1, xs.end()), true);
                        std::vector<Tensor<double>> parts = {r.output};
                        parts.insert(parts.end(), r.states.begin(), r.states.end());
                        return flat_concat(parts);
                      });
    }
  }
}

TEST(RNNGradcheck, CellRegularizationLosses) {
  SimpleRNN<double> rnn(3, {.kernel_regularizer = "l2", .recurrent_regularizer = "l1", .bias_regularizer = L2(0.3)});
  auto x = rand_tensor<double>(Shape{B, T, F}, 81);
  rnn(x);
  EXPECT_EQ(rnn.losses().size(), 3u);
  layer_gradcheck("SimpleRNN + regularization losses", rnn, {x}, [&](const std::vector<Tensor<double>>& xs) {
    std::vector<Tensor<double>> parts = {rnn(xs[0])};
    for (const auto& l : rnn.losses()) parts.push_back(l);
    return flat_concat(parts);
  });
}

TEST(RNNGradcheck, Bidirectional) {
  auto x = rand_tensor<double>(Shape{B, T, F}, 91);
  const auto mask = mask_tensor<double>({{1, 1, 0}, {0, 1, 1}});
  for (const char* mode : {"concat", "sum", "ave", "mul"})
    for (bool seq : {false, true}) {
      Bidirectional<double> bi(std::make_shared<LSTM<double>>(2, LSTMCellOptions{}, RNNOptions{.return_sequences = seq}),
                               {.merge_mode = mode});
      bi(x);
      layer_gradcheck(std::string("Bidirectional LSTM ") + mode + (seq ? " sequences" : " last") + " masked", bi, {x},
                      [&](const std::vector<Tensor<double>>& xs) {
                        auto r = bi.call_full(xs[0], {}, mask);
                        std::vector<Tensor<double>> parts = {r.output};
                        parts.insert(parts.end(), r.forward_states.begin(), r.forward_states.end());
                        parts.insert(parts.end(), r.backward_states.begin(), r.backward_states.end());
                        return flat_concat(parts);
                      });
    }
  Bidirectional<double> gru(std::make_shared<GRU<double>>(2, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  gru(x);
  layer_gradcheck("Bidirectional GRU concat (fused)", gru, {x},
                  [&](const std::vector<Tensor<double>>& xs) { return flat_concat({gru(xs[0])}); });
}
