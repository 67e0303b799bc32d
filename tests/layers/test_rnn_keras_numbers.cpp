// Numbers from Keras's own tests (docs/keras_contract.md §8.1-8.4): rnn_test.py and
// stacked_rnn_cells_test.py with all-ones custom cells, gru_test.py and bidirectional_test.py with
// constant-weight GRUs. The GRU cases run both through the step loop and the fused sequence op.
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {
using CellP = std::shared_ptr<RNNCell<float>>;
CellP one(std::size_t u) { return std::make_shared<OneStateCell<float>>(u); }
CellP two(std::size_t u) { return std::make_shared<TwoStatesCell<float>>(u); }
}  // namespace

TEST(RNNKerasNumbers, ForwardPassSingleAndTwoStates) {
  auto x = Tensor<float>::ones(Shape{1, 2, 3});
  RNN<float> r1(one(2), {.return_sequences = true});
  auto a = r1.call_full(x);
  EXPECT_TRUE(all_close(a.output, Tensor<float>{{{3, 3}, {9, 9}}}, 0.0));
  EXPECT_TRUE(all_close(a.states[0], Tensor<float>{{9, 9}}, 0.0));
  RNN<float> r2(two(2), {.return_sequences = true});
  auto b = r2.call_full(x);
  EXPECT_TRUE(all_close(b.output, Tensor<float>{{{6, 6}, {18, 18}}}, 0.0));
  ASSERT_EQ(b.states.size(), 2u);
  EXPECT_TRUE(all_close(b.states[0], Tensor<float>{{9, 9}}, 0.0));
  EXPECT_TRUE(all_close(b.states[1], Tensor<float>{{9, 9}}, 0.0));
}

TEST(RNNKerasNumbers, PassingInitialState) {
  auto x = Tensor<float>::ones(Shape{2, 3, 2});
  auto s = Tensor<float>::ones(Shape{2, 2});
  RNN<float> r1(one(2));
  auto a = r1.call_full(x, {s});
  EXPECT_TRUE(rows_equal(a.output, {22, 22}, 0.0));
  EXPECT_TRUE(rows_equal(a.states[0], {22, 22}, 0.0));
  RNN<float> r2(two(2));
  auto b = r2.call_full(x, {s, s});
  EXPECT_TRUE(rows_equal(b.output, {44, 44}, 0.0));
  EXPECT_TRUE(rows_equal(b.states[1], {22, 22}, 0.0));
}

TEST(RNNKerasNumbers, Statefulness) {
  auto x = Tensor<float>::ones(Shape{1, 2, 3});
  RNN<float> r1(one(2), {.stateful = true});
  r1(x);
  EXPECT_TRUE(rows_equal(r1(x), {45}, 0.0));
  RNN<float> r2(two(2), {.stateful = true});
  r2(x);
  auto b = r2.call_full(x);
  EXPECT_TRUE(rows_equal(b.output, {90}, 0.0));
  EXPECT_TRUE(rows_equal(b.states[0], {45}, 0.0));
}

TEST(RNNKerasNumbers, GoBackwardsThenStatefulForward) {
  auto x = arange_tensor<float>(Shape{2, 3, 4});
  RNN<float> back(one(2), {.go_backwards = true});
  EXPECT_TRUE(rows_equal(back(x), {202, 538}, 0.0));
  RNN<float> fwd(one(2), {.return_state = true, .stateful = true});
  fwd(x);
  auto r = fwd.call_full(x);
  EXPECT_TRUE(rows_equal(r.output, {954, 3978}, 0.0));
  EXPECT_TRUE(rows_equal(r.states[0], {954, 3978}, 0.0));
}

TEST(RNNKerasNumbers, Masking) {
  auto x = arange_tensor<float>(Shape{2, 4, 3});
  auto m = mask_tensor<float>({{1, 1, 1, 0}, {1, 1, 0, 0}});
  for (bool unroll : {false, true}) {
    RNN<float> last(one(2), {.unroll = unroll});
    EXPECT_TRUE(rows_equal(last.call_full(x, {}, m).output, {57, 126}, 1e-5));
  }
  RNN<float> seq(one(2), {.return_sequences = true});
  auto y = seq.call_full(x, {}, m).output;
  const double want[2][4] = {{3, 18, 57, 57}, {39, 126, 126, 126}};
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 4; ++t)
      for (std::size_t u = 0; u < 2; ++u) EXPECT_NEAR(y.at({b, t, u}), want[b][t], 1e-5);
}

TEST(RNNKerasNumbers, StackedCells) {
  auto x = arange_tensor<float>(Shape{2, 3, 4});
  RNN<float> s1(std::vector<CellP>{one(3), one(2)}, {.return_sequences = true, .return_state = true});
  auto a = s1.call_full(x);
  const double seq1[2][3] = {{18, 156, 786}, {162, 1020, 4386}};
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 3; ++t) EXPECT_EQ(a.output.at({b, t, 0}), seq1[b][t]);
  ASSERT_EQ(a.states.size(), 2u);
  EXPECT_TRUE(rows_equal(a.states[0], {158, 782}, 0.0));
  EXPECT_TRUE(rows_equal(a.states[1], {786, 4386}, 0.0));

  RNN<float> s2(std::vector<CellP>{two(3), two(2)}, {.return_sequences = true, .return_state = true});
  auto b2 = s2.call_full(x);
  const double seq2[2][3] = {{72, 624, 3144}, {648, 4080, 17544}};
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 3; ++t) EXPECT_EQ(b2.output.at({b, t, 1}), seq2[b][t]);
  ASSERT_EQ(b2.states.size(), 4u);  // cell 1's two states, then cell 2's
  EXPECT_TRUE(rows_equal(b2.states[0], {158, 782}, 0.0));
  EXPECT_TRUE(rows_equal(b2.states[1], {158, 782}, 0.0));
  EXPECT_TRUE(rows_equal(b2.states[2], {1572, 8772}, 0.0));
  EXPECT_TRUE(rows_equal(b2.states[3], {1572, 8772}, 0.0));
}

TEST(RNNKerasNumbers, StackedStateful) {
  auto x = arange_tensor<float>(Shape{2, 3, 4});
  RNN<float> s1(std::vector<CellP>{one(3), one(2)}, {.stateful = true});
  s1(x);
  EXPECT_TRUE(rows_equal(s1(x), {34092, 173196}, 0.0));
  RNN<float> s2(std::vector<CellP>{two(3), two(2)}, {.stateful = true});
  s2(x);
  EXPECT_TRUE(rows_equal(s2(x), {136368, 692784}, 0.0));
}

// ---- Constant-weight GRU cases (kernel 0.01, recurrent 0.02, bias 0.03) ----

namespace {
GRUCellOptions const_gru(bool reset_after = true, bool use_bias = true) {
  return {.use_bias = use_bias, .kernel_initializer = Constant(0.01), .recurrent_initializer = Constant(0.02),
          .bias_initializer = Constant(0.03), .reset_after = reset_after};
}
}  // namespace

class ConstGRU : public ::testing::TestWithParam<bool> {};  // parameter: use_fused

TEST_P(ConstGRU, Correctness) {
  const bool fused = GetParam();
  auto x = arange_tensor<float>(Shape{3, 6, 4});
  struct Case {
    const char* label;
    GRUCellOptions cell;
    RNNOptions rnn;
    std::vector<double> want;
  };
  const std::vector<Case> cases = {
      {"default", const_gru(), {.use_fused = fused}, {0.5217289, 0.6371659, 0.39384964}},
      {"go_backwards", const_gru(), {.go_backwards = true, .use_fused = fused}, {0.24406259, 0.611516, 0.3928808}},
      {"unroll", const_gru(), {.unroll = true, .use_fused = fused}, {0.5217289, 0.6371659, 0.39384964}},
      {"reset_after=false", const_gru(false), {.use_fused = fused}, {0.51447755, 0.6426879, 0.40208298}},
      {"use_bias=false", const_gru(true, false), {.use_fused = fused}, {0.49988455, 0.64701194, 0.4103359}},
  };
  for (const auto& c : cases) {
    GRU<float> gru(3, c.cell, c.rnn);
    EXPECT_TRUE(rows_equal(gru(x), c.want, 1e-5)) << c.label;
    EXPECT_EQ(gru.last_call_fused(), fused) << c.label;
  }
}

TEST_P(ConstGRU, Statefulness) {
  auto x = arange_tensor<float>(Shape{2, 3, 4});
  GRU<float> gru(4, const_gru(), {.stateful = true, .use_fused = GetParam()});
  gru(x);
  auto second = gru(x);
  EXPECT_TRUE(rows_equal(second, {0.29542392, 0.5885018}, 1e-5));
  gru.reset_states();
  gru(x);
  EXPECT_TRUE(all_close(gru(x), second, 1e-6));
}

TEST_P(ConstGRU, PassInitialStateAndReturnState) {
  auto x = arange_tensor<float>(Shape{2, 4, 3});
  Tensor<float> s{{0, 1}, {2, 3}};
  for (bool back : {false, true}) {
    GRU<float> gru(2, const_gru(), {.return_state = true, .go_backwards = back, .use_fused = GetParam()});
    auto r = gru.call_full(x, {s});
    const Tensor<float> want = back ? Tensor<float>{{0.13486053f, 0.23261218f}, {0.78257304f, 0.9691353f}}
                                    : Tensor<float>{{0.23774096f, 0.33508456f}, {0.83659905f, 1.0227708f}};
    EXPECT_TRUE(all_close(r.output, want, 1e-5)) << "go_backwards=" << back;
    EXPECT_TRUE(all_close(r.states[0], want, 1e-5)) << "go_backwards=" << back;
  }
}

TEST_P(ConstGRU, Masking) {
  auto x = arange_tensor<float>(Shape{2, 4, 3});
  auto m = mask_tensor<float>({{1, 1, 0, 1}, {1, 0, 0, 1}});
  const bool fused = GetParam();
  GRU<float> last(2, const_gru(), {.unroll = true, .use_fused = fused});
  EXPECT_TRUE(rows_equal(last.call_full(x, {}, m).output, {0.19393763, 0.30818558}, 1e-5));

  const double carried[2][4] = {{0.03606692, 0.09497581, 0.09497581, 0.19393763},
                                {0.16051409, 0.16051409, 0.16051409, 0.30818558}};
  const double zeroed[2][4] = {{0.03606692, 0.09497581, 0, 0.19393763}, {0.16051409, 0, 0, 0.30818558}};
  for (bool zero : {false, true}) {
    GRU<float> seq(2, const_gru(), {.return_sequences = true, .zero_output_for_mask = zero, .use_fused = fused});
    auto y = seq.call_full(x, {}, m).output;
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t u = 0; u < 2; ++u)
          EXPECT_NEAR(y.at({b, t, u}), zero ? zeroed[b][t] : carried[b][t], 1e-5) << "zero=" << zero;
  }
  GRU<float> back(2, const_gru(), {.go_backwards = true, .use_fused = fused});
  EXPECT_TRUE(rows_equal(back.call_full(x, {}, m).output, {0.11669192, 0.28380975}, 1e-5));
}

TEST_P(ConstGRU, BidirectionalSum) {
  auto x = arange_tensor<float>(Shape{2, 3, 4});
  Bidirectional<float> bi(std::make_shared<GRU<float>>(2, const_gru(),
                                                       RNNOptions{.return_sequences = true, .use_fused = GetParam()}),
                          {.merge_mode = "sum"});
  auto y = bi(x);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2}));
  const double want[2][3] = {{0.20937867, 0.34462988, 0.40290534}, {0.59829646, 0.6734641, 0.6479671}};
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 3; ++t)
      for (std::size_t u = 0; u < 2; ++u) EXPECT_NEAR(y.at({b, t, u}), want[b][t], 1e-5);
}

TEST_P(ConstGRU, BidirectionalMasking) {
  auto x = arange_tensor<float>(Shape{2, 4, 3});
  auto m = mask_tensor<float>({{1, 1, 0, 1}, {1, 0, 0, 1}});
  Bidirectional<float> bi(std::make_shared<GRU<float>>(2, const_gru(), RNNOptions{.use_fused = GetParam()}));
  auto y = bi(x, CallContext<float>{.training = false, .mask = m});
  EXPECT_TRUE(all_close(y,
                        Tensor<float>{{0.19393763f, 0.19393763f, 0.11669192f, 0.11669192f},
                                      {0.30818558f, 0.30818558f, 0.28380975f, 0.28380975f}},
                        1e-5));
}

INSTANTIATE_TEST_SUITE_P(LoopAndFused, ConstGRU, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "fused" : "loop"; });
