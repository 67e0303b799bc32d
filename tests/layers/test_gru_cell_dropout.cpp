// GRUCell dropout (docs/keras_contract.md §2): masks drawn once per sequence and reused at every
// step, inverted scaling, 3 masks per side for implementation 1 and one input mask for
// implementation 2, the Keras >= 3.8 recurrent scheme (blend with the undropped state), nothing
// when not training.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "gru_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

bool same_values(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

Tensor<float> random_input(const Shape& s, std::uint64_t seed) {
  Generator g(seed);
  return random::uniform<float>(s, -1.0, 1.0, g);
}

// A plain-loop GRU step in double with explicit masks, written from docs/keras_contract.md
// §1.4/§2.1 independently of the cell: mx[g] multiplies x before gate g's input matmul, mh[g]
// multiplies h before gate g's recurrent matmul, and the blend uses the undropped h.
std::vector<double> naive_step(const Tensor<double>& x, const Tensor<double>& h, const Tensor<double>& K,
                               const Tensor<double>& R, const Tensor<double>& b, bool reset_after,
                               const std::vector<Tensor<double>>& mx, const std::vector<Tensor<double>>& mh) {
  const std::size_t B = x.dim(0), I = x.dim(1), U = h.dim(1);
  auto mxv = [&](std::size_t g, std::size_t n, std::size_t i) {
    return mx.empty() ? 1.0 : mx[mx.size() == 1 ? 0 : g].at({n, i});
  };
  auto mhv = [&](std::size_t g, std::size_t n, std::size_t i) { return mh.empty() ? 1.0 : mh[g].at({n, i}); };
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  std::vector<double> out(B * U);
  for (std::size_t n = 0; n < B; ++n)
    for (std::size_t u = 0; u < U; ++u) {
      double xg[3], hg[3];
      for (std::size_t g = 0; g < 3; ++g) {
        const std::size_t col = g * U + u;
        xg[g] = reset_after ? b.at({0, col}) : b.at({col});
        for (std::size_t i = 0; i < I; ++i) xg[g] += x.at({n, i}) * mxv(g, n, i) * K.at({i, col});
        hg[g] = reset_after ? b.at({1, col}) : 0.0;
      }
      for (std::size_t g = 0; g < 2; ++g)
        for (std::size_t k = 0; k < U; ++k) hg[g] += h.at({n, k}) * mhv(g, n, k) * R.at({k, g * U + u});
      const double z = sig(xg[0] + hg[0]);
      double rh;
      if (reset_after) {
        for (std::size_t k = 0; k < U; ++k) hg[2] += h.at({n, k}) * mhv(2, n, k) * R.at({k, 2 * U + u});
        rh = sig(xg[1] + hg[1]) * hg[2];
      } else {
        rh = 0.0;
        for (std::size_t k = 0; k < U; ++k) {
          double rk = 0.0;  // r for unit k, needed for (r * h_h) @ R_h
          double pre = b.at({U + k});
          for (std::size_t i = 0; i < I; ++i) pre += x.at({n, i}) * mxv(1, n, i) * K.at({i, U + k});
          for (std::size_t j = 0; j < U; ++j) pre += h.at({n, j}) * mhv(1, n, j) * R.at({j, U + k});
          rk = sig(pre);
          rh += rk * h.at({n, k}) * mhv(2, n, k) * R.at({k, 2 * U + u});
        }
      }
      const double hh = std::tanh(xg[2] + rh);
      out[n * U + u] = z * h.at({n, u}) + (1.0 - z) * hh;
    }
  return out;
}

}  // namespace

TEST(GRUCellDropout, MaskDrawnOncePerSequenceAndReusedAtEveryStep) {
  for (int impl : {1, 2}) {
    GRUCell<float> cell(4, {.dropout = 0.5, .recurrent_dropout = impl == 1 ? 0.5 : 0.0,
                            .implementation = impl, .seed = 5});
    auto x = random_input(Shape{3, 6, 5}, 1);
    Tensor<float> h = cell.get_initial_state(3)[0];
    cell.reset_dropout_masks();
    std::vector<Tensor<float>> first_in, first_rec;
    for (std::size_t t = 0; t < 6; ++t) {
      h = cell.call(take(x, 1, t), {h}, true).states[0];
      if (t == 0) {
        first_in = cell.dropout_masks();
        first_rec = cell.recurrent_dropout_masks();
        ASSERT_EQ(first_in.size(), impl == 1 ? 3u : 1u);
        ASSERT_EQ(first_rec.size(), impl == 1 ? 3u : 0u);
        EXPECT_EQ(first_in[0].shape(), (Shape{3, 5}));
        if (impl == 1) {
          EXPECT_EQ(first_rec[0].shape(), (Shape{3, 4}));
          // three independent masks per side
          EXPECT_FALSE(same_values(first_in[0], first_in[1]));
          EXPECT_FALSE(same_values(first_rec[1], first_rec[2]));
        }
      } else {
        for (std::size_t k = 0; k < first_in.size(); ++k) EXPECT_TRUE(same_values(cell.dropout_masks()[k], first_in[k]));
        for (std::size_t k = 0; k < first_rec.size(); ++k)
          EXPECT_TRUE(same_values(cell.recurrent_dropout_masks()[k], first_rec[k]));
      }
    }
    // A new sequence draws new masks.
    cell.reset_dropout_masks();
    EXPECT_TRUE(cell.dropout_masks().empty());
    cell.call(take(x, 1, 0), cell.get_initial_state(3), true);
    EXPECT_FALSE(same_values(cell.dropout_masks()[0], first_in[0]));
  }
}

TEST(GRUCellDropout, OutputsDifferBetweenSequencesAndAreReproducibleWithASeed) {
  auto x = random_input(Shape{2, 4, 3}, 2);
  GRUCell<float> a(5, {.dropout = 0.4, .recurrent_dropout = 0.3, .seed = 42});
  GRUCell<float> b(5, {.dropout = 0.4, .recurrent_dropout = 0.3, .seed = 42});
  GRUCell<float> c(5, {.dropout = 0.4, .recurrent_dropout = 0.3, .seed = 43});
  a.build(Shape{2, 3});
  b.build(Shape{2, 3});
  c.build(Shape{2, 3});
  b.set_weights(a.get_weights());
  c.set_weights(a.get_weights());
  auto a1 = run_gru(a, x, {}, true), a2 = run_gru(a, x, {}, true);
  auto b1 = run_gru(b, x, {}, true), b2 = run_gru(b, x, {}, true);
  auto c1 = run_gru(c, x, {}, true);
  EXPECT_TRUE(same_values(a1.outputs, b1.outputs));  // same seed, same run, bit for bit
  EXPECT_TRUE(same_values(a2.outputs, b2.outputs));
  EXPECT_FALSE(same_values(a1.outputs, a2.outputs));  // new masks for a new sequence
  EXPECT_FALSE(same_values(a1.outputs, c1.outputs));  // another seed, other masks
}

TEST(GRUCellDropout, UnseededCellsFollowTheGlobalSeed) {
  auto run = [] {
    set_seed(9);
    GRUCell<float> cell(3, {.dropout = 0.5});
    return run_gru(cell, random_input(Shape{2, 3, 4}, 3), {}, true).outputs;
  };
  EXPECT_TRUE(same_values(run(), run()));
}

TEST(GRUCellDropout, DroppedFractionAndScaling) {
  const double rate = 0.3;
  const std::size_t B = 200, I = 50;
  GRUCell<float> cell(2, {.dropout = rate, .implementation = 1, .seed = 7});
  cell.call(Tensor<float>::ones(Shape{B, I}), cell.get_initial_state(B), true);
  const auto& masks = cell.dropout_masks();
  ASSERT_EQ(masks.size(), 3u);
  const double n = double(B * I), sigma = std::sqrt(rate * (1 - rate) / n);
  const float keep = float(1.0 / (1.0 - rate));
  for (const auto& m : masks) {
    std::size_t dropped = 0, bad = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (m.data()[i] == 0.0f) ++dropped;
      else if (std::abs(m.data()[i] - keep) > 1e-6f) ++bad;
    }
    const double frac = double(dropped) / n;
    std::printf("[ dropout ] dropped fraction %.4f (rate %.2f, 3 sigma %.4f)\n", frac, rate, 3 * sigma);
    EXPECT_LE(std::abs(frac - rate), 3 * sigma);
    EXPECT_EQ(bad, 0u) << "kept values must be exactly 1/(1-rate)";
  }
}

TEST(GRUCellDropout, Implementation2AppliesTheInputMaskToEveryStep) {
  // With implementation 2 a training step equals an inference step on x * mask, at every step:
  // so the kept inputs are scaled by 1/(1-rate) and the same mask serves the whole sequence.
  GRUCell<float> drop(4, {.dropout = 0.5, .seed = 3});
  GRUCell<float> plain(4);
  auto x = random_input(Shape{3, 5, 6}, 4);
  drop.build(Shape{3, 6});
  plain.build(Shape{3, 6});
  plain.set_weights(drop.get_weights());
  drop.reset_dropout_masks();
  Tensor<float> h = drop.get_initial_state(3)[0];
  for (std::size_t t = 0; t < 5; ++t) {
    auto xt = take(x, 1, t);
    auto got = drop.call(xt, {h}, true).output;
    auto want = plain.call(mul(xt, drop.dropout_masks()[0]), {h}, false).output;
    EXPECT_TRUE(all_close(got, want, 0.0)) << "step " << t;
    h = got;
  }
}

TEST(GRUCellDropout, Implementation1MatchesKeras38SchemeWithUndroppedBlend) {
  for (bool ra : {true, false}) {
    GRUCell<double> cell(3, {.bias_initializer = RandomUniform(-0.3, 0.3, 1), .dropout = 0.4,
                             .recurrent_dropout = 0.5, .reset_after = ra, .seed = 11});
    ASSERT_EQ(cell.implementation(), 1);
    Generator g(5);
    auto x = random::uniform<double>(Shape{4, 3, 2}, -1.0, 1.0, g);
    Tensor<double> h = random::uniform<double>(Shape{4, 3}, -1.0, 1.0, g);
    cell.reset_dropout_masks();
    for (std::size_t t = 0; t < 3; ++t) {
      auto xt = take(x, 1, t);
      auto got = cell.call(xt, {h}, true).output;
      auto want = naive_step(xt, h, cell.kernel().value(), cell.recurrent_kernel().value(),
                             cell.bias().value(), ra, cell.dropout_masks(), cell.recurrent_dropout_masks());
      EXPECT_TRUE(all_close(got, Tensor<double>(got.shape(), want), 1e-12)) << "reset_after " << ra << " step " << t;
      // The same step with the recurrent mask also applied to the blend's state (Keras 3.0-3.7,
      // tfjs) must differ, or this test could not tell the schemes apart.
      auto hd = mul(h, cell.recurrent_dropout_masks()[0]);
      auto old = naive_step(xt, hd, cell.kernel().value(), cell.recurrent_kernel().value(),
                            cell.bias().value(), ra, cell.dropout_masks(), {});
      EXPECT_FALSE(all_close(got, Tensor<double>(got.shape(), old), 1e-3));
      h = got;
    }
  }
}

TEST(GRUCellDropout, TrainingFalseIsExactlyTheNoDropoutOutput) {
  for (int impl : {1, 2}) {
    GRUCell<float> drop(4, {.dropout = 0.5, .recurrent_dropout = impl == 1 ? 0.5 : 0.0,
                            .implementation = impl});
    GRUCell<float> plain(4, {.implementation = impl});
    auto x = random_input(Shape{2, 5, 3}, 6);
    drop.build(Shape{2, 3});
    plain.build(Shape{2, 3});
    plain.set_weights(drop.get_weights());
    auto a = run_gru(drop, x, {}, false);
    EXPECT_TRUE(drop.dropout_masks().empty());
    EXPECT_TRUE(same_values(a.outputs, run_gru(plain, x, {}, false).outputs));
    EXPECT_FALSE(same_values(run_gru(drop, x, {}, true).outputs, a.outputs));
  }
}

TEST(GRUCellDropout, RecurrentDropoutForcesImplementation1) {
  EXPECT_EQ(GRUCell<float>(3, {.recurrent_dropout = 0.1, .implementation = 2}).implementation(), 1);
  EXPECT_EQ(GRUCell<float>(3, {.dropout = 0.1, .implementation = 2}).implementation(), 2);
  EXPECT_EQ(GRUCell<float>(3).implementation(), 2);
  EXPECT_EQ(GRUCell<float>(3, {.implementation = 0}).implementation(), 2);  // Keras's legacy 0
  // Keras compares the clipped rate with 0, so a rate clipped to 1 also forces implementation 1.
  EXPECT_EQ(GRUCell<float>(3, {.recurrent_dropout = 7.0}).implementation(), 1);
}

TEST(GRUCellDropout, RatesAreClippedAndRateOneDropsNothing) {
  GRUCell<float> hi(4, {.dropout = 1.5, .recurrent_dropout = 2.0});
  GRUCell<float> lo(4, {.dropout = -0.2, .recurrent_dropout = -1.0});
  EXPECT_EQ(hi.dropout(), 1.0);
  EXPECT_EQ(hi.recurrent_dropout(), 1.0);
  EXPECT_EQ(lo.dropout(), 0.0);
  EXPECT_EQ(lo.recurrent_dropout(), 0.0);
  EXPECT_EQ(hi.get_config().at("dropout").dump(), "1.0");
  // A stored rate of exactly 1 applies no mask (docs/keras_contract.md §1.2), even in training.
  GRUCell<float> plain(4, {.implementation = 1});
  auto x = random_input(Shape{2, 3, 3}, 8);
  hi.build(Shape{2, 3});
  plain.build(Shape{2, 3});
  plain.set_weights(hi.get_weights());
  auto a = run_gru(hi, x, {}, true);
  EXPECT_TRUE(same_values(a.outputs, run_gru(plain, x, {}, false).outputs));
}
