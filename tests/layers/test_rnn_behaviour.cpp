// RNN semantics: masking (docs/keras_contract.md §5.3), go_backwards (§5.1), stateful layers
// (§5.4), the fused GRU path against the step loop, masks from upstream layers, and bad input
// (issue 4 acceptance 7).
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {
using CellP = std::shared_ptr<RNNCell<double>>;
// One factory per cell type (and a stack), so every semantic test runs over all of them.
struct Kind {
  const char* name;
  std::function<CellP()> make;
};
std::vector<Kind> kinds() {
  return {{"gru", [] { return CellP(std::make_shared<GRUCell<double>>(3)); }},
          {"lstm", [] { return CellP(std::make_shared<LSTMCell<double>>(3)); }},
          {"simple", [] { return CellP(std::make_shared<SimpleRNNCell<double>>(3)); }},
          {"stacked", [] {
             return CellP(std::make_shared<StackedRNNCells<double>>(
                 std::vector<CellP>{std::make_shared<LSTMCell<double>>(3), std::make_shared<GRUCell<double>>(2)}));
           }}};
}
}  // namespace

TEST(RNNMasking, LeftAndRightPaddingGiveTheSameFinalOutputAndState) {
  // Sample b has length len[b]; padded copies put zeros (masked) before or after it.
  const std::size_t B = 3, T = 6, F = 2;
  const std::size_t len[B] = {6, 3, 1};
  auto core = rand_tensor<double>(Shape{B, T, F}, 41);
  auto left = Tensor<double>::zeros(Shape{B, T, F}), right = Tensor<double>::zeros(Shape{B, T, F});
  auto ml = Tensor<double>::zeros(Shape{B, T}), mr = Tensor<double>::zeros(Shape{B, T});
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < len[b]; ++t) {
      for (std::size_t f = 0; f < F; ++f) {
        right.at({b, t, f}) = core.at({b, t, f});
        left.at({b, T - len[b] + t, f}) = core.at({b, t, f});
      }
      mr.at({b, t}) = 1;
      ml.at({b, T - len[b] + t}) = 1;
    }
  for (const auto& k : kinds())
    for (bool fused : {false, true}) {
      RNN<double> rnn(k.make(), {.use_fused = fused});
      auto a = rnn.call_full(left, {}, ml);
      auto b = rnn.call_full(right, {}, mr);
      EXPECT_TRUE(all_close(a.output, b.output, 1e-12)) << k.name;
      for (std::size_t s = 0; s < a.states.size(); ++s) EXPECT_TRUE(all_close(a.states[s], b.states[s], 1e-12)) << k.name;
      // And equal to running the unpadded sample alone (sample 1, length 3).
      RNN<double> same(rnn.cell(), {.use_fused = fused});
      auto alone = same.call_full(slice(slice(core, 0, 1, 2), 1, 0, 3));
      EXPECT_TRUE(all_close(slice(b.output, 0, 1, 2), alone.output, 1e-12)) << k.name;
    }
}

TEST(RNNMasking, FullyMaskedSampleKeepsItsInitialState) {
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 42);
  auto m = mask_tensor<double>({{1, 0, 1, 1}, {0, 0, 0, 0}});
  for (const auto& k : kinds())
    for (bool fused : {false, true}) {
      RNN<double> rnn(k.make(), {.return_sequences = true, .use_fused = fused});
      rnn.build(x.shape());
      std::vector<Tensor<double>> init;
      std::uint64_t seed = 50;
      for (std::size_t s : rnn.cell()->state_size()) init.push_back(rand_tensor<double>(Shape{2, s}, seed++));
      auto r = rnn.call_full(x, init, m);
      for (std::size_t s = 0; s < init.size(); ++s) {
        EXPECT_TRUE(all_close(slice(r.states[s], 0, 1, 2), slice(init[s], 0, 1, 2), 0.0)) << k.name << " state " << s;
        EXPECT_FALSE(all_close(slice(r.states[s], 0, 0, 1), slice(init[s], 0, 0, 1), 1e-3)) << k.name;
      }
      // Its outputs are zeros (y_{-1} = 0 is carried through).
      for (double v : slice(r.output, 0, 1, 2).to_vector()) EXPECT_EQ(v, 0.0) << k.name;
    }
}

TEST(RNNMasking, ZeroOutputForMaskZeroesMaskedOutputsOnly) {
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 43);
  auto m = mask_tensor<double>({{1, 0, 1, 0}, {0, 1, 1, 1}});
  for (const auto& k : kinds())
    for (bool fused : {false, true}) {
      auto cell = k.make();
      RNN<double> carry(cell, {.return_sequences = true, .use_fused = fused});
      RNN<double> zero(cell, {.return_sequences = true, .zero_output_for_mask = true, .use_fused = fused});
      auto a = carry.call_full(x, {}, m);
      auto b = zero.call_full(x, {}, m);
      for (std::size_t bb = 0; bb < 2; ++bb)
        for (std::size_t t = 0; t < 4; ++t) {
          auto ya = slice(slice(a.output, 0, bb, bb + 1), 1, t, t + 1);
          auto yb = slice(slice(b.output, 0, bb, bb + 1), 1, t, t + 1);
          if (m.at({bb, t}) != 0) {
            EXPECT_TRUE(all_close(ya, yb, 0.0)) << k.name;
          } else {
            for (double v : yb.to_vector()) EXPECT_EQ(v, 0.0) << k.name;
            // Without the flag a masked step repeats the previous output.
            auto prev = t == 0 ? Tensor<double>::zeros(ya.shape())
                               : slice(slice(a.output, 0, bb, bb + 1), 1, t - 1, t);
            EXPECT_TRUE(all_close(ya, prev, 0.0)) << k.name;
          }
        }
      for (std::size_t s = 0; s < a.states.size(); ++s) EXPECT_TRUE(all_close(a.states[s], b.states[s], 0.0));
      // return_sequences=false with a masked last step returns zeros (docs/keras_contract.md §5.3).
      RNN<double> last(cell, {.zero_output_for_mask = true, .use_fused = fused});
      auto l = last.call_full(x, {}, m);
      for (double v : slice(l.output, 0, 0, 1).to_vector()) EXPECT_EQ(v, 0.0) << k.name;
    }
}

TEST(RNNMasking, MaskFromUpstreamMaskingAndEmbedding) {
  auto x = rand_tensor<double>(Shape{2, 4, 3}, 44);
  for (std::size_t f = 0; f < 3; ++f) {
    x.at({0, 3, f}) = 0.0;
    x.at({1, 0, f}) = 0.0;
  }
  Masking<double> masking(0.0);
  auto mask = masking.compute_mask(x, {});
  GRU<double> gru(3, {}, {.return_sequences = true});
  auto y = gru(masking(x), CallContext<double>{.training = false, .mask = mask});
  auto want = gru.call_full(x, {}, mask_tensor<double>({{1, 1, 1, 0}, {0, 1, 1, 1}})).output;
  EXPECT_TRUE(all_close(y, want, 0.0));
  EXPECT_TRUE(all_close(gru.compute_mask(y, mask), mask, 0.0));

  Embedding<double> emb(5, 3, {.mask_zero = true});
  Tensor<double> ids{{1, 2, 0, 0}, {3, 0, 0, 0}};
  auto e = emb(ids);
  LSTM<double> lstm(2);
  auto out = lstm(e, CallContext<double>{.mask = emb.compute_mask(ids, {})});
  auto alone = lstm(slice(slice(e, 0, 0, 1), 1, 0, 2));
  EXPECT_TRUE(all_close(slice(out, 0, 0, 1), alone, 1e-12));
}

TEST(RNNGoBackwards, EqualsForwardOnReversedInputInProcessingOrder) {
  auto x = rand_tensor<double>(Shape{2, 5, 3}, 45);
  auto m = mask_tensor<double>({{1, 1, 0, 1, 1}, {0, 1, 1, 1, 0}});
  for (const auto& k : kinds())
    for (bool masked : {false, true})
      for (bool fused : {false, true}) {
        auto cell = k.make();
        RNN<double> back(cell, {.return_sequences = true, .go_backwards = true, .use_fused = fused});
        RNN<double> fwd(cell, {.return_sequences = true, .use_fused = fused});
        auto a = back.call_full(x, {}, masked ? m : Tensor<double>());
        auto b = fwd.call_full(reverse(x, 1), {}, masked ? reverse(m, 1) : Tensor<double>());
        EXPECT_TRUE(all_close(a.output, b.output, 0.0)) << k.name << " masked=" << masked;
        for (std::size_t s = 0; s < a.states.size(); ++s) EXPECT_TRUE(all_close(a.states[s], b.states[s], 0.0));
      }
}

TEST(RNNStateful, TwoHalvesEqualOneWholeAndResetRestoresZeros) {
  auto x = rand_tensor<double>(Shape{2, 6, 3}, 46);
  for (const auto& k : kinds())
    for (bool fused : {false, true}) {
      auto cell = k.make();
      RNN<double> whole(cell, {.return_sequences = true, .use_fused = fused});
      auto w = whole.call_full(x);
      RNN<double> st(cell, {.return_sequences = true, .stateful = true, .use_fused = fused});
      auto h1 = st.call_full(slice(x, 1, 0, 3));
      auto h2 = st.call_full(slice(x, 1, 3, 6));
      EXPECT_TRUE(all_close(concat<double>({h1.output, h2.output}, 1), w.output, 1e-12)) << k.name;
      for (std::size_t s = 0; s < w.states.size(); ++s) {
        EXPECT_TRUE(all_close(h2.states[s], w.states[s], 1e-12)) << k.name;
        EXPECT_TRUE(all_close(st.states()[s], w.states[s], 1e-12)) << k.name;
      }
      st.reset_states();
      for (const auto& s : st.states()) EXPECT_EQ(s.to_vector(), std::vector<double>(s.size(), 0.0));
      EXPECT_TRUE(all_close(st.call_full(slice(x, 1, 0, 3)).output, h1.output, 0.0)) << k.name;
      // An explicit initial_state overrides the stored one.
      auto again = st.call_full(slice(x, 1, 0, 3), cell->get_initial_state(2));
      EXPECT_TRUE(all_close(again.output, h1.output, 0.0));
      // A different batch size throws, naming the batch size.
      EXPECT_TRUE(throws_with<ValueError>([&] { st.call_full(slice(x, 0, 0, 1)); }, {"batch size", "2", "1"}));
      // reset_states(values) loads given states.
      auto vals = w.states;
      st.reset_states(vals);
      auto cont = st.call_full(slice(x, 1, 3, 6));
      RNN<double> ref(cell, {.return_sequences = true, .use_fused = fused});
      EXPECT_TRUE(all_close(cont.output, ref.call_full(slice(x, 1, 3, 6), vals).output, 0.0));
    }
}

TEST(RNNFused, GRUFusedPathMatchesStepLoop) {
  auto x = rand_tensor<double>(Shape{3, 5, 4}, 47);
  auto h0 = rand_tensor<double>(Shape{3, 3}, 48);
  auto m = mask_tensor<double>({{1, 1, 0, 1, 0}, {0, 0, 0, 0, 0}, {0, 1, 1, 1, 1}});
  for (bool reset_after : {true, false})
    for (bool use_bias : {true, false})
      for (const char* rec : {"sigmoid", "hard_sigmoid"})
        for (bool back : {false, true})
          for (bool zero : {false, true})
            for (bool seq : {false, true}) {
              auto cell = std::make_shared<GRUCell<double>>(
                  3, GRUCellOptions{.recurrent_activation = rec, .use_bias = use_bias, .reset_after = reset_after});
              RNNOptions o{.return_sequences = seq, .go_backwards = back, .zero_output_for_mask = zero};
              RNN<double> fused(cell, o);
              o.use_fused = false;
              RNN<double> loop(cell, o);
              auto a = fused.call_full(x, {h0}, m);
              EXPECT_TRUE(fused.last_call_fused());
              auto b = loop.call_full(x, {h0}, m);
              EXPECT_FALSE(loop.last_call_fused());
              EXPECT_TRUE(all_close(a.output, b.output, 1e-12));
              EXPECT_TRUE(all_close(a.states[0], b.states[0], 1e-12));
            }
  // Outside the fused op's activations the loop runs; dropout while training runs fused too (its
  // numbers against the loop: test_rnn_fused_dropout.cpp).
  GRU<double> softsign(3, {.activation = "softsign"});
  softsign(x);
  EXPECT_FALSE(softsign.last_call_fused());
  GRU<double> dropout(3, {.dropout = 0.3, .recurrent_dropout = 0.2});
  dropout(x, true);
  EXPECT_TRUE(dropout.last_call_fused());
  dropout(x, false);
  EXPECT_TRUE(dropout.last_call_fused());
  RNN<double> stacked(std::vector<CellP>{std::make_shared<GRUCell<double>>(3), std::make_shared<GRUCell<double>>(3)});
  stacked(x);
  EXPECT_FALSE(stacked.last_call_fused());
}

TEST(RNNErrors, BadInputsThrowClearLoomExceptions) {
  GRU<float> gru(3);
  auto x = rand_tensor<float>(Shape{2, 4, 3}, 49);
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru(rand_tensor<float>(Shape{2, 4}, 1)); },
                                      {"RNN", gru.name(), "rank 3", "received rank 2"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru(rand_tensor<float>(Shape{1, 2, 4, 3}, 1)); },
                                      {"rank 3", "received rank 4"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru(Tensor<float>::zeros(Shape{2, 0, 3})); }, {"timestep"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru.call_full(x, {}, Tensor<float>::ones(Shape{2, 5})); },
                                      {"mask", "(2, 4)", "(2, 5)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru.call_full(x, {}, Tensor<float>::ones(Shape{2, 4, 1})); },
                                      {"mask", "(2, 4, 1)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru.call_full(x, {Tensor<float>::zeros(Shape{2, 4})}); },
                                      {"initial_state[0]", "(2, 3)", "(2, 4)"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { gru.call_full(x, {Tensor<float>::zeros(Shape{2, 3}), Tensor<float>::zeros(Shape{2, 3})}); },
      {"initial_state", "expected 1", "received 2"}));
  LSTM<float> lstm(3);
  EXPECT_TRUE(throws_with<ValueError>([&] { lstm.call_full(x, {Tensor<float>::zeros(Shape{2, 3})}); },
                                      {"initial_state", "expected 2", "received 1"}));
  // A feature size other than the built one.
  EXPECT_TRUE(throws_with<ShapeError>([&] { gru(rand_tensor<float>(Shape{2, 4, 5}, 1)); }, {"3", "5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { RNN<float>(std::shared_ptr<RNNCell<float>>()); }, {"cell"}));
  EXPECT_TRUE(throws_with<ValueError>([] { RNN<float>(std::vector<std::shared_ptr<RNNCell<float>>>{}); },
                                      {"StackedRNNCells", "empty"}));
  GRU<float> plain(3);
  EXPECT_TRUE(throws_with<ValueError>([&] { plain.reset_states({Tensor<float>::zeros(Shape{2, 3})}); }, {"stateful"}));
  GRU<float> st(3, {}, {.stateful = true});
  EXPECT_TRUE(throws_with<ShapeError>([&] { st.reset_states({Tensor<float>::zeros(Shape{2, 4})}); }, {"(2, 3)"}));
}
