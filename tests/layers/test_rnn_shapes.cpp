// RNN output and state shapes for every combination of return_sequences, return_state,
// go_backwards and stacking, over each cell type, plus the seed document's example.
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

TEST(RNNShapes, SeedExample) {
  auto x = rand_tensor<float>(Shape{32, 10, 8}, 1);
  RNN<float> rnn(std::make_shared<GRUCell<float>>(4));
  EXPECT_EQ(rnn(x).shape(), (Shape{32, 4}));

  RNN<float> full(std::make_shared<GRUCell<float>>(4), {.return_sequences = true, .return_state = true});
  auto r = full.call_full(x);
  EXPECT_EQ(r.output.shape(), (Shape{32, 10, 4}));
  ASSERT_EQ(r.states.size(), 1u);
  EXPECT_EQ(r.states[0].shape(), (Shape{32, 4}));
  // The GRU's final state is its last output.
  EXPECT_TRUE(all_close(take(r.output, 1, 9), r.states[0], 0.0));
}

TEST(RNNShapes, KerasLSTMDocExample) {
  auto x = rand_tensor<float>(Shape{32, 10, 8}, 2);
  LSTM<float> lstm(4, {}, {.return_sequences = true, .return_state = true});
  auto r = lstm.call_full(x);
  EXPECT_EQ(r.output.shape(), (Shape{32, 10, 4}));
  ASSERT_EQ(r.states.size(), 2u);  // memory state h, carry state c
  EXPECT_EQ(r.states[0].shape(), (Shape{32, 4}));
  EXPECT_EQ(r.states[1].shape(), (Shape{32, 4}));
  EXPECT_TRUE(all_close(take(r.output, 1, 9), r.states[0], 0.0));
}

namespace {
using CellFactory = std::function<std::vector<std::shared_ptr<RNNCell<float>>>()>;
struct CellKind {
  const char* name;
  CellFactory make;
  std::size_t out;
  std::vector<std::size_t> state_sizes;
};
}  // namespace

TEST(RNNShapes, AllCombinations) {
  const std::vector<CellKind> kinds = {
      {"gru", [] { return std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<GRUCell<float>>(3)}; }, 3, {3}},
      {"lstm", [] { return std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<LSTMCell<float>>(3)}; }, 3, {3, 3}},
      {"simple", [] { return std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<SimpleRNNCell<float>>(3)}; }, 3, {3}},
      {"stacked gru+lstm+simple",
       [] {
         return std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<GRUCell<float>>(3),
                                                             std::make_shared<LSTMCell<float>>(4),
                                                             std::make_shared<SimpleRNNCell<float>>(5)};
       },
       5, {3, 4, 4, 5}},
  };
  const std::size_t B = 2, T = 3, F = 4;
  auto x = rand_tensor<float>(Shape{B, T, F}, 3);
  int cases = 0;
  for (const auto& k : kinds)
    for (bool seq : {false, true})
      for (bool st : {false, true})
        for (bool back : {false, true})
          for (bool tm : {false, true}) {
            RNN<float> rnn(k.make(), {.return_sequences = seq, .return_state = st, .go_backwards = back,
                                      .time_major = tm});
            const Tensor<float> in = tm ? transpose(x, {1, 0, 2}) : x;
            auto r = rnn.call_full(in);
            const Shape want = seq ? (tm ? Shape{T, B, k.out} : Shape{B, T, k.out}) : Shape{B, k.out};
            EXPECT_EQ(r.output.shape(), want) << k.name << " seq=" << seq << " state=" << st << " back=" << back;
            ASSERT_EQ(r.states.size(), k.state_sizes.size()) << k.name;
            for (std::size_t i = 0; i < k.state_sizes.size(); ++i)
              EXPECT_EQ(r.states[i].shape(), (Shape{B, k.state_sizes[i]})) << k.name << " state " << i;
            // The plain layer call gives the main output of the full call.
            EXPECT_EQ(rnn(in).shape(), want);
            ++cases;
          }
  EXPECT_EQ(cases, 64);
}

TEST(RNNShapes, TimeMajorEqualsBatchMajor) {
  auto x = rand_tensor<float>(Shape{2, 5, 3}, 4);
  auto cell = std::make_shared<LSTMCell<float>>(4);
  RNN<float> bm(cell, {.return_sequences = true});
  auto a = bm(x);
  RNN<float> tmaj(cell, {.return_sequences = true, .time_major = true});  // shares the weights
  auto b = tmaj(transpose(x, {1, 0, 2}));
  EXPECT_TRUE(all_close(transpose(b, {1, 0, 2}), a, 1e-6));
}

TEST(RNNShapes, KerasStackedBasics) {
  // stacked_rnn_cells_test.py test_basics: three GRU cells with dropout on (2,3,4) -> (2,3,5),
  // 9 trainable weights.
  std::vector<std::shared_ptr<RNNCell<float>>> cells;
  for (long u : {3, 4, 5}) cells.push_back(std::make_shared<GRUCell<float>>(u, GRUCellOptions{.dropout = 0.1, .recurrent_dropout = 0.1}));
  RNN<float> rnn(cells, {.return_sequences = true});
  auto y = rnn(rand_tensor<float>(Shape{2, 3, 4}, 5), /*training=*/true);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(rnn.trainable_weights().size(), 9u);
  EXPECT_EQ(rnn.non_trainable_weights().size(), 0u);
}

TEST(RNNShapes, ComputeMask) {
  auto x = rand_tensor<float>(Shape{2, 3, 4}, 6);
  auto m = mask_tensor<float>({{1, 1, 0}, {1, 0, 0}});
  RNN<float> last(std::make_shared<SimpleRNNCell<float>>(2));
  RNN<float> seq(std::make_shared<SimpleRNNCell<float>>(2), {.return_sequences = true});
  EXPECT_FALSE(last.compute_mask(x, m).defined());
  auto out = seq.compute_mask(x, m);
  ASSERT_TRUE(out.defined());
  EXPECT_TRUE(all_close(out, m, 0.0));
}

TEST(RNNShapes, WeightCountsAndNames) {
  auto x = rand_tensor<float>(Shape{2, 3, 4}, 7);
  SimpleRNN<float> s(5);
  LSTM<float> l(5);
  GRU<float> g(5);
  s(x);
  l(x);
  g(x);
  // Keras parameter counts: SimpleRNN I*U + U*U + U; LSTM 4(I*U + U*U + U); GRU (reset_after) 3(I*U + U*U) + 6U.
  EXPECT_EQ(s.count_params(), 4u * 5 + 25 + 5);
  EXPECT_EQ(l.count_params(), 4u * (4 * 5 + 25 + 5));
  EXPECT_EQ(g.count_params(), 3u * (4 * 5 + 25) + 30);
  ASSERT_EQ(l.weights().size(), 3u);
  EXPECT_NE(l.weights()[0].name().find("lstm_cell"), std::string::npos);
  EXPECT_NE(l.weights()[0].name().find("/kernel"), std::string::npos);
  EXPECT_EQ(l.weights()[1].shape(), (Shape{5, 20}));
  EXPECT_EQ(l.weights()[2].shape(), (Shape{20}));
  const auto cfg = l.get_config();
  EXPECT_EQ(cfg.at("units"), 5);
  EXPECT_EQ(cfg.at("return_sequences"), false);
  EXPECT_EQ(cfg.at("unit_forget_bias"), true);
  EXPECT_EQ(cfg.count("cell"), 0u);
}
