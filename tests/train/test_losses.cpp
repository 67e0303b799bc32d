// Losses against values worked out by hand (see the comments), plus double gradchecks.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;
using F = Tensor<float>;
using D = Tensor<double>;

namespace {
double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace

TEST(Losses, MeanSquaredErrorByHand) {
  F t{{0, 1}, {1, 1}};
  F p{{1, 1}, {1, 0}};
  // per-sample: (1 + 0)/2 = 0.5 and (0 + 1)/2 = 0.5 -> mean 0.5
  EXPECT_NEAR(losses::mse(t, p).item(), 0.5, 1e-7);
  EXPECT_NEAR(losses::MeanSquaredError<float>()(t, p).item(), 0.5, 1e-7);
  EXPECT_EQ(losses::MeanSquaredError<float>().name(), "mean_squared_error");
  F t2{{1, 2, 3}};
  F p2{{2, 2, 5}};
  // (1 + 0 + 4) / 3
  EXPECT_NEAR(losses::mean_squared_error(t2, p2).item(), 5.0 / 3.0, 1e-6);
  auto none = losses::mse(t, p, {.reduction = losses::Reduction::none});
  EXPECT_EQ(none.shape(), (Shape{2}));
  EXPECT_NEAR(losses::mse(t, p, {.reduction = losses::Reduction::sum}).item(), 1.0, 1e-7);
}

TEST(Losses, MeanAbsoluteAndHuberByHand) {
  F t{{0, 0, 0, 0}};
  F p{{0.5f, -2.0f, 1.0f, 3.0f}};
  EXPECT_NEAR(losses::mae(t, p).item(), (0.5 + 2 + 1 + 3) / 4.0, 1e-6);
  // delta 1: 0.5*0.25=0.125, 2-0.5=1.5, 0.5 (|e| == delta is quadratic), 3-0.5=2.5
  EXPECT_NEAR(losses::huber(t, p).item(), (0.125 + 1.5 + 0.5 + 2.5) / 4.0, 1e-6);
  // delta 2: 0.125, 0.5*4=2, 0.5, 2*3-2=4
  EXPECT_NEAR(losses::huber(t, p, {.delta = 2.0}).item(), (0.125 + 2.0 + 0.5 + 4.0) / 4.0, 1e-6);
  EXPECT_EQ(losses::Huber<float>().name(), "huber_loss");
  EXPECT_TRUE(throws_with<ValueError>([] { losses::Huber<float>({.delta = 0.0}); }, {"huber_loss", "delta"}));
}

TEST(Losses, BinaryCrossentropyProbabilitiesAndLogits) {
  F t{{1, 0}, {0, 1}};
  F p{{0.9f, 0.2f}, {0.3f, 0.6f}};
  const double want = (-(std::log(0.9) + std::log(0.8)) / 2 - (std::log(0.7) + std::log(0.6)) / 2) / 2;
  EXPECT_NEAR(losses::binary_crossentropy(t, p).item(), want, 1e-6);
  // Logits: probabilities sigmoid(x).
  F x{{2.0f, -1.0f}, {0.5f, 30.0f}};
  const double wl = (-(std::log(sig(2)) + std::log(1 - sig(-1))) / 2 -
                     (std::log(1 - sig(0.5)) + std::log(sig(30))) / 2) / 2;
  EXPECT_NEAR(losses::binary_crossentropy(t, x, {.from_logits = true}).item(), wl, 1e-6);
  // Large logits stay finite: -log(sigmoid(-100)) = 100 + log(1 + e^-100).
  F big{-100.0f};
  F one{1.0f};
  EXPECT_NEAR(losses::binary_crossentropy(one, big, {.from_logits = true}).item(), 100.0, 1e-3);
  // Probabilities of exactly 0 and 1 are clipped to 1e-7: -log(1e-7) = 16.118.
  F zero{0.0f};
  EXPECT_NEAR(losses::binary_crossentropy(one, zero).item(), -std::log(1e-7), 1e-3);
  // Label smoothing 0.2: target 1 -> 0.9, 0 -> 0.1.
  F p1{0.9f};
  const double ls = -(0.9 * std::log(0.9) + 0.1 * std::log(0.1));
  EXPECT_NEAR(losses::binary_crossentropy(one, p1, {.label_smoothing = 0.2}).item(), ls, 1e-6);
}

TEST(Losses, CategoricalCrossentropy) {
  F t{{0, 1, 0}, {1, 0, 0}};
  F p{{0.2f, 0.5f, 0.3f}, {0.5f, 0.25f, 0.25f}};
  EXPECT_NEAR(losses::categorical_crossentropy(t, p).item(), -(std::log(0.5) + std::log(0.5)) / 2, 1e-6);
  // Unnormalised probabilities are renormalised first: (2, 6, 2) -> 0.6.
  F q{{2.0f, 6.0f, 2.0f}};
  F t1{{0, 1, 0}};
  EXPECT_NEAR(losses::categorical_crossentropy(t1, q).item(), -std::log(0.6), 1e-6);
  // Logits (1, 2, 3), class 2: -log softmax = log(e + e^2 + e^3) - 3.
  F x{{1.0f, 2.0f, 3.0f}};
  F t2{{0, 0, 1}};
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(losses::categorical_crossentropy(t2, x, {.from_logits = true}).item(), lse - 3.0, 1e-6);
  // Logits far apart do not overflow.
  F xb{{1000.0f, 0.0f, -1000.0f}};
  EXPECT_NEAR(losses::categorical_crossentropy(t1, xb, {.from_logits = true}).item(), 1000.0, 1e-2);
}

TEST(Losses, SparseCategoricalCrossentropy) {
  F ids = F(Shape{2}, std::vector<float>{1, 0});
  F p{{0.2f, 0.5f, 0.3f}, {0.5f, 0.25f, 0.25f}};
  EXPECT_NEAR(losses::sparse_categorical_crossentropy(ids, p).item(), -std::log(0.5), 1e-6);
  // (batch, 1) ids work as well.
  F ids1(Shape{2, 1}, std::vector<float>{1, 0});
  EXPECT_NEAR(losses::sparse_categorical_crossentropy(ids1, p).item(), -std::log(0.5), 1e-6);
  F x{{1.0f, 2.0f, 3.0f}};
  F id2(Shape{1}, std::vector<float>{2});
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(losses::sparse_categorical_crossentropy(id2, x, {.from_logits = true}).item(), lse - 3.0, 1e-6);
  F bad(Shape{2}, std::vector<float>{1, 3});
  EXPECT_TRUE(throws_with<ValueError>([&] { losses::sparse_categorical_crossentropy(bad, p); },
                                      {"sparse_categorical_crossentropy", "[0, 3)", "3"}));
  // ignore_class drops the position from the mean: only the first sample counts.
  F ign(Shape{2}, std::vector<float>{1, -1});
  EXPECT_NEAR(losses::sparse_categorical_crossentropy(ign, p, {.ignore_class = -1}).item(),
              -std::log(0.5) * 2 / (1 + 1e-7) / 2, 1e-6);
}

TEST(Losses, SampleWeightAndMask) {
  // Sequence outputs (batch 2, time 3, features 1) -> per-sample losses (2, 3).
  F t(Shape{2, 3, 1}, std::vector<float>{0, 0, 0, 0, 0, 0});
  F p(Shape{2, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6});
  // Squared errors 1 4 9 / 16 25 36. A (batch,) weight applies to every step.
  F w(Shape{2}, std::vector<float>{1, 0});
  EXPECT_NEAR(losses::mse(t, p, {}, w).item(), (1 + 4 + 9) / 6.0, 1e-5);
  // Mask keeps steps 0,1 of sample 0 and step 0 of sample 1: mean of kept = (1+4+16)/3.
  F m{{1, 1, 0}, {1, 0, 0}};
  EXPECT_NEAR(losses::mse(t, p, {}, {}, m).item(), (1 + 4 + 16) / 3.0, 1e-4);
  // Mask and weight together: Keras weights the kept values and divides by the kept count.
  F w2(Shape{2}, std::vector<float>{2, 1});
  EXPECT_NEAR(losses::mse(t, p, {}, w2, m).item(), (2 * 1 + 2 * 4 + 16) / 3.0, 1e-4);
  // With reduction sum the mask is a plain 0/1 weight.
  EXPECT_NEAR(losses::mse(t, p, {.reduction = losses::Reduction::sum}, {}, m).item(), 21.0, 1e-4);
  F wrong(Shape{3}, std::vector<float>{1, 1, 1});
  EXPECT_TRUE(throws_with<ShapeError>([&] { losses::mse(t, p, {}, wrong); },
                                      {"mean_squared_error", "sample_weight", "(2, 3)", "(3,)"}));
}

TEST(Losses, ShapeMismatchNamesLossAndShapes) {
  F a(Shape{2, 3}, std::vector<float>(6, 0));
  F b(Shape{2, 4}, std::vector<float>(8, 0));
  EXPECT_TRUE(throws_with<ShapeError>([&] { losses::mse(a, b); }, {"mean_squared_error", "(2, 3)", "(2, 4)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { losses::binary_crossentropy(a, b); },
                                      {"binary_crossentropy", "(2, 3)", "(2, 4)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { losses::categorical_crossentropy(a, b); },
                                      {"categorical_crossentropy", "(2, 3)", "(2, 4)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { losses::sparse_categorical_crossentropy(a, b); },
                                      {"sparse_categorical_crossentropy", "(2, 3)", "(2, 4)"}));
  // (batch,) targets against (batch, 1) predictions are aligned as in Keras.
  F t(Shape{2}, std::vector<float>{1, 2});
  F p(Shape{2, 1}, std::vector<float>{2, 2});
  EXPECT_NEAR(losses::mse(t, p).item(), 0.5, 1e-7);
}

TEST(Losses, GetByIdentifier) {
  EXPECT_EQ(losses::get<float>("mse")->name(), "mean_squared_error");
  EXPECT_EQ(losses::get<double>("sparse_categorical_crossentropy")->name(), "sparse_categorical_crossentropy");
  EXPECT_TRUE(throws_with<ValueError>([] { losses::get<float>("nope"); }, {"losses::get", "nope"}));
}

TEST(Losses, GradientsOnTape) {
  // d mse / d p = 2 (p - t) / n
  F t{{0, 1}};
  F p{{1, 3}};
  GradientTape<float> tape;
  tape.watch(p);
  auto l = losses::mse(t, p);
  auto g = tape.gradient(l, p);
  EXPECT_NEAR(g.data()[0], 1.0, 1e-6);
  EXPECT_NEAR(g.data()[1], 2.0, 1e-6);
}

namespace {
D rnd(const Shape& s, std::uint64_t seed, double lo, double hi) {
  Generator g(seed);
  return random::uniform<double>(s, lo, hi, g);
}
D labels01(const Shape& s, std::uint64_t seed) {
  auto t = rnd(s, seed, 0, 1);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = t.data()[i] < 0.5 ? 0.0 : 1.0;
  return t;
}
D one_hot(const std::vector<int>& ids, std::size_t c) {
  auto t = D::zeros(Shape{ids.size(), c});
  for (std::size_t i = 0; i < ids.size(); ++i) t.data()[i * c + ids[i]] = 1.0;
  return t;
}
void expect_gradcheck(const GradcheckFn& f, const std::vector<D>& xs) {
  auto r = gradcheck(f, xs);
  EXPECT_TRUE(r.ok) << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6);
}
}  // namespace

TEST(LossesGradcheck, RegressionLosses) {
  const D t = rnd({3, 4}, 1, -1, 1);
  D p = rnd({3, 4}, 2, -1, 1);
  // Keep Huber away from its |e| == delta kink and mae away from 0.
  for (std::size_t i = 0; i < p.size(); ++i) {
    double e = p.data()[i] - t.data()[i];
    if (std::abs(std::abs(e) - 1.0) < 0.05 || std::abs(e) < 0.05) p.data()[i] += 0.2;
  }
  const D w = rnd({3}, 3, 0.5, 2);
  expect_gradcheck([&](const std::vector<D>& x) { return losses::mse(x[0], x[1]); }, {t, p});
  expect_gradcheck([&](const std::vector<D>& x) { return losses::mae(t, x[0], {}, w); }, {p});
  expect_gradcheck([&](const std::vector<D>& x) { return losses::huber(t, x[0]); }, {p});
  expect_gradcheck([&](const std::vector<D>& x) { return losses::huber(t, x[0], {.delta = 0.3}); }, {p});
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::mse(t, x[0], {.reduction = losses::Reduction::none});
  }, {p});
}

TEST(LossesGradcheck, Crossentropies) {
  const D t = labels01({3, 4}, 4);
  const D prob = rnd({3, 4}, 5, 0.05, 0.95);
  const D logits = rnd({3, 4}, 6, -3, 3);
  expect_gradcheck([&](const std::vector<D>& x) { return losses::binary_crossentropy(t, x[0]); }, {prob});
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::binary_crossentropy(t, x[0], {.from_logits = true, .label_smoothing = 0.1});
  }, {logits});
  const D oh = one_hot({0, 3, 1}, 4);
  expect_gradcheck([&](const std::vector<D>& x) { return losses::categorical_crossentropy(oh, x[0]); }, {prob});
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::categorical_crossentropy(oh, x[0], {.from_logits = true, .label_smoothing = 0.2});
  }, {logits});
  const D ids(Shape{3}, std::vector<double>{0, 3, 1});
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::sparse_categorical_crossentropy(ids, x[0]);
  }, {prob});
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::sparse_categorical_crossentropy(ids, x[0], {.from_logits = true});
  }, {logits});
}

TEST(LossesGradcheck, MaskedSequenceLoss) {
  const D t = rnd({2, 3, 2}, 7, -1, 1);
  const D p = rnd({2, 3, 2}, 8, -1, 1);
  const D m{{1, 1, 0}, {1, 0, 0}};
  expect_gradcheck([&](const std::vector<D>& x) { return losses::mse(t, x[0], {}, {}, m); }, {p});
  const D ids{{0, 1, 1}, {1, 0, 0}};
  expect_gradcheck([&](const std::vector<D>& x) {
    return losses::sparse_categorical_crossentropy(ids, x[0], {.from_logits = true}, {}, m);
  }, {p});
}
