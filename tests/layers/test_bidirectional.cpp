// Bidirectional: merge modes, backward outputs flipped into input order, separate weights,
// initial states split forward/backward, and its argument errors.
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

TEST(Bidirectional, MergeModesAndInputOrder) {
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 101);
  for (bool seq : {false, true}) {
    auto fwd = std::make_shared<GRU<double>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = seq});
    Bidirectional<double> bi(fwd, {.merge_mode = "none"});
    auto r = bi.call_full(x);
    EXPECT_FALSE(r.output.defined());
    // The two halves are exactly the forward layer and the backward layer on their own.
    auto f = bi.forward_layer()->call_full(x);
    auto b = bi.backward_layer()->call_full(x);
    EXPECT_TRUE(bi.backward_layer()->options().go_backwards);
    EXPECT_TRUE(all_close(r.forward_output, f.output, 0.0));
    EXPECT_TRUE(all_close(r.backward_output, seq ? reverse(b.output, 1) : b.output, 0.0));
    if (seq) {
      // Position t of the backward half has consumed input steps t..T-1: its last position is
      // the backward layer's first step, on x[:, T-1] alone.
      RNN<double> one_step(bi.backward_layer()->cell());
      EXPECT_TRUE(all_close(take(r.backward_output, 1, 3), one_step(slice(x, 1, 3, 4)), 1e-12));
    }
    const auto& fo = r.forward_output;
    const auto& bo = r.backward_output;
    auto merged = [&](const char* mode) {
      Bidirectional<double> m(std::make_shared<GRU<double>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = seq}), {.merge_mode = mode});
      m.build(x.shape());
      m.set_weights(bi.get_weights());
      return m(x);
    };
    EXPECT_TRUE(all_close(merged("concat"), concat<double>({fo, bo}, -1), 0.0));
    EXPECT_TRUE(all_close(merged("sum"), fo + bo, 0.0));
    EXPECT_TRUE(all_close(merged("ave"), (fo + bo) * 0.5, 0.0));
    EXPECT_TRUE(all_close(merged("mul"), fo * bo, 0.0));
  }
}

TEST(Bidirectional, SeparateWeightsInKerasOrderAndStates) {
  auto x = rand_tensor<float>(Shape{2, 4, 3}, 102);
  Bidirectional<float> bi(std::make_shared<LSTM<float>>(2, LSTMCellOptions{}, RNNOptions{.return_state = true}));
  auto r = bi.call_full(x);
  EXPECT_EQ(r.output.shape(), (Shape{2, 4}));
  ASSERT_EQ(bi.weights().size(), 6u);  // forward kernel, recurrent, bias, then backward's
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(bi.weights()[i].same_as(bi.weights()[i + 3]));
  EXPECT_NE(bi.weights()[0].value().to_vector(), bi.weights()[3].value().to_vector());
  EXPECT_NE(bi.backward_layer()->name().find("backward_"), std::string::npos);
  ASSERT_EQ(r.forward_states.size(), 2u);
  ASSERT_EQ(r.backward_states.size(), 2u);
  // initial_state: forward's states, then backward's.
  std::vector<Tensor<float>> init;
  for (std::uint64_t s = 0; s < 4; ++s) init.push_back(rand_tensor<float>(Shape{2, 2}, 110 + s));
  auto with = bi.call_full(x, init);
  auto f = bi.forward_layer()->call_full(x, {init[0], init[1]});
  auto b = bi.backward_layer()->call_full(x, {init[2], init[3]});
  EXPECT_TRUE(all_close(with.output, concat<float>({f.output, b.output}, -1), 0.0));
  EXPECT_TRUE(throws_with<ValueError>([&] { bi.call_full(x, {init[0], init[1]}); },
                                      {"initial_state", "expected 4", "received 2"}));
}

TEST(Bidirectional, MaskedSequencesZeroMaskedOutputs) {
  // Keras forces zero_output_for_mask = return_sequences on both layers.
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 103);
  auto m = mask_tensor<double>({{1, 1, 1, 0}, {1, 1, 0, 0}});
  Bidirectional<double> bi(std::make_shared<SimpleRNN<double>>(2, SimpleRNNCellOptions{}, RNNOptions{.return_sequences = true}));
  auto y = bi(x, CallContext<double>{.mask = m});
  EXPECT_TRUE(bi.forward_layer()->options().zero_output_for_mask);
  EXPECT_TRUE(bi.backward_layer()->options().zero_output_for_mask);
  for (std::size_t u = 0; u < 4; ++u) {
    EXPECT_EQ(y.at({0, 3, u}), 0.0);
    EXPECT_EQ(y.at({1, 2, u}), 0.0);
    EXPECT_NE(y.at({1, 1, u}), 0.0);
  }
  EXPECT_TRUE(all_close(bi.compute_mask(x, m), m, 0.0));
}

TEST(Bidirectional, ExplicitBackwardLayerAndErrors) {
  auto fwd = std::make_shared<GRU<float>>(2);
  auto bwd = std::make_shared<LSTM<float>>(3, LSTMCellOptions{}, RNNOptions{.go_backwards = true});
  Bidirectional<float> bi(fwd, {.backward_layer = bwd});
  EXPECT_EQ(bi(rand_tensor<float>(Shape{2, 4, 3}, 104)).shape(), (Shape{2, 5}));

  EXPECT_TRUE(throws_with<ValueError>([] { Bidirectional<float>(std::make_shared<GRU<float>>(2), {.merge_mode = "max"}); },
                                      {"merge_mode", "'max'", "concat", "sum", "ave", "mul", "none"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] { Bidirectional<float>(std::make_shared<GRU<float>>(2), {.backward_layer = std::make_shared<GRU<float>>(2)}); },
      {"backward_layer", "go_backwards"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        Bidirectional<float>(std::make_shared<GRU<float>>(2),
                             {.backward_layer = std::make_shared<GRU<float>>(
                                  2, GRUCellOptions{}, RNNOptions{.return_sequences = true, .go_backwards = true})});
      },
      {"backward_layer", "return_sequences"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Bidirectional<float>(nullptr); }, {"Bidirectional", "layer"}));
  Bidirectional<float> none(std::make_shared<GRU<float>>(2), {.merge_mode = "none"});
  EXPECT_TRUE(throws_with<ValueError>([&] { none(rand_tensor<float>(Shape{2, 4, 3}, 1)); }, {"none", "call_full"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { bi(rand_tensor<float>(Shape{2, 3}, 1)); }, {"rank 3", "rank 2"}));
  // An unregistered user cell has no config to copy: Bidirectional says to register it or to pass
  // backward_layer.
  auto custom = std::make_shared<RNN<float>>(std::make_shared<OneStateCell<float>>(2));
  EXPECT_TRUE(throws_with<ValueError>([&] { Bidirectional<float>{custom}; }, {"register_layer", "backward_layer"}));
  auto custom_back = std::make_shared<RNN<float>>(std::make_shared<OneStateCell<float>>(2), RNNOptions{.go_backwards = true});
  Bidirectional<float> ok(custom, {.merge_mode = "sum", .backward_layer = custom_back});
  // Forward last outputs 106 and 442, backward (Keras rnn_test.py) 202 and 538.
  EXPECT_TRUE(rows_equal(ok(arange_tensor<float>(Shape{2, 3, 4})), {308, 980}, 0.0));
}

TEST(Bidirectional, TimeMajorFlipsAlongAxisZero) {
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 105);
  Bidirectional<double> bm(std::make_shared<GRU<double>>(2, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  Bidirectional<double> tm(
      std::make_shared<GRU<double>>(2, GRUCellOptions{}, RNNOptions{.return_sequences = true, .time_major = true}));
  bm.build(x.shape());
  tm.build(transpose(x, {1, 0, 2}).shape());
  tm.set_weights(bm.get_weights());
  EXPECT_TRUE(all_close(transpose(tm(transpose(x, {1, 0, 2})), {1, 0, 2}), bm(x), 1e-12));
}
