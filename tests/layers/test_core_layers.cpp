// Dense, Dropout, Embedding and Masking: forward values, shapes, masks, double gradchecks
// (regularizer losses inside the checked function) and bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::throws_with;

namespace {

// Copies src into var and records an identity from src to the variable's value, so that a
// gradcheck whose input is src sees every gradient that reaches the weight.
template <class T>
void bind(const Variable<T>& var, const Tensor<T>& src) {
  Variable<T> v = var;
  v.assign(src);
  if (autograd::should_record<T>({&src}))
    autograd::record<T>("bind", {&src}, {&var.value()}, [](BackwardCtx<T>& c) { c.grad_in[0] = c.g(0); });
}

template <class T>
Tensor<T> total(const std::vector<Tensor<T>>& losses) {
  Tensor<T> s = Tensor<T>::scalar(T(0));
  for (const auto& l : losses) s = s + l;
  return s;
}

Tensor<double> rnd(const Shape& s, std::uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return random::uniform<double>(s, lo, hi, g);
}

void expect_ok(const GradcheckResult& r, const char* what) {
  std::printf("[ gradcheck ] %-40s max rel error %.3g\n", what, r.max_rel_error);
  EXPECT_TRUE(r.ok) << what << ": " << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6) << what;
}

}  // namespace

TEST(Dense, ForwardMatchesHandValues) {
  Dense<float> d(2, {.activation = "relu", .name = "dense_hand"});
  d(Tensor<float>::ones({1, 3}));
  ASSERT_EQ(d.weights().size(), 2u);
  EXPECT_EQ(d.weights()[0].name(), "dense_hand/kernel");
  EXPECT_EQ(d.weights()[1].name(), "dense_hand/bias");
  EXPECT_EQ(d.kernel().shape(), (Shape{3, 2}));
  EXPECT_EQ(d.bias().shape(), (Shape{2}));
  EXPECT_EQ(d.bias().value().to_vector(), (std::vector<float>{0, 0}));  // "zeros" default
  d.set_weights({xt::xarray<float>{{1, 2}, {3, 4}, {5, 6}}, xt::xarray<float>{0.5f, -0.5f}});
  // [1, 0, -1] @ K + b = [-3.5, -4.5]; [1, 1, 1] @ K + b = [9.5, 11.5]; relu.
  auto y = d(Tensor<float>{{1, 0, -1}, {1, 1, 1}});
  EXPECT_TRUE(all_close(y, Tensor<float>{{0, 0}, {9.5f, 11.5f}}, 1e-6));
  Dense<float> lin(2, {.use_bias = false, .kernel_initializer = "ones"});
  EXPECT_TRUE(all_close(lin(Tensor<float>{{1, 0, -1}, {1, 1, 1}}), Tensor<float>{{0, 0}, {3, 3}}, 0.0));
  EXPECT_EQ(lin.weights().size(), 1u);
  EXPECT_FALSE(lin.bias().defined());
}

TEST(Dense, Rank3And4ApplyToTheLastAxis) {
  Dense<double> d(4, {.activation = "tanh", .bias_initializer = RandomUniform(-1, 1, 3)});
  auto x = rnd({2, 3, 5}, 1);
  auto y3 = d(x);
  EXPECT_EQ(y3.shape(), (Shape{2, 3, 4}));
  for (std::size_t t = 0; t < 3; ++t)
    EXPECT_TRUE(all_close(take(y3, 1, t), d(take(x, 1, t)), 1e-14)) << "step " << t;
  auto x4 = reshape(x, {2, 3, 1, 5});
  auto y4 = d(x4);
  EXPECT_EQ(y4.shape(), (Shape{2, 3, 1, 4}));
  EXPECT_TRUE(all_close(reshape(y4, {2, 3, 4}), y3, 1e-14));
}

TEST(Dense, GradcheckWithRegularizersAndConstraintsConfig) {
  for (bool use_bias : {true, false}) {
    Dense<double> d(3, {.activation = "tanh",
                        .use_bias = use_bias,
                        .kernel_regularizer = "l1_l2",
                        .bias_regularizer = L2(0.3)});
    auto x = rnd({2, 4, 5}, 2);
    d(x);
    ASSERT_EQ(d.losses().size(), use_bias ? 2u : 1u);
    std::vector<Tensor<double>> in = {x, rnd({5, 3}, 3)};
    if (use_bias) in.push_back(rnd({3}, 4));
    auto r = gradcheck(
        [&](const std::vector<Tensor<double>>& v) {
          bind(d.kernel(), v[1]);
          if (use_bias) bind(d.bias(), v[2]);
          return d(v[0]) + total(d.losses());
        },
        in);
    expect_ok(r, use_bias ? "Dense tanh + l1_l2/l2 losses" : "Dense tanh, no bias + l1_l2 loss");
  }
}

TEST(Dense, ConfigAndConstraints) {
  Dense<float> d(5, {.kernel_constraint = MaxNorm(1.5), .bias_constraint = "non_neg", .name = "dense_cfg"});
  d(Tensor<float>::ones({1, 2}));
  auto c = d.get_config();
  EXPECT_EQ(c.at("name"), "dense_cfg");
  EXPECT_EQ(c.at("units"), 5);
  EXPECT_EQ(c.at("activation"), "linear");
  EXPECT_EQ(c.at("use_bias"), true);
  EXPECT_EQ(c.at("kernel_initializer").dump(),
            R"({"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null},"registered_name":null})");
  EXPECT_TRUE(c.at("kernel_regularizer").is_null());
  EXPECT_EQ(c.at("kernel_constraint").at("config").dump(), R"({"max_value":1.5,"axis":0})");
  EXPECT_EQ(c.at("bias_constraint").at("class_name"), "NonNeg");
  EXPECT_TRUE(static_cast<bool>(d.kernel().constraint()));
  EXPECT_TRUE(static_cast<bool>(d.bias().constraint()));
}

TEST(Dense, BadInput) {
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(0); }, {"Dense", "units", "positive", "received 0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(-1); }, {"units", "received -1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(2, {.activation = "sigmoidd"}); }, {"'sigmoidd'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dense<float>(2, {.kernel_initializer = "glorot"}); }, {"'glorot'"}));
  Dense<float> d(2, {.name = "dense_bad"});
  EXPECT_TRUE(throws_with<ShapeError>([&] { d(Tensor<float>{1, 2, 3}); }, {"dense_bad", "rank >= 2", "(3,)"}));
  d(Tensor<float>::ones({2, 3}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { d(Tensor<float>::ones({2, 4})); },
                                      {"dense_bad", "feature size", "expected 3", "received 4"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { d.set_weights({xt::xarray<float>{{1, 2}, {3, 4}}, xt::xarray<float>{0, 0}}); },
                                      {"dense_bad/kernel", "expected shape (3, 2)", "received (2, 2)"}));
}

TEST(Dropout, InferenceIsTheIdentityAndTrainingScalesKeptValues) {
  Dropout<float> d(0.3, {.seed = 11});
  auto x = Tensor<float>::full({100, 100}, 2.0f);
  auto inf = d(x, false);
  EXPECT_EQ(inf.id(), x.id());
  auto y = d(x, true);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const float v = y.data()[i];
    if (v == 0.0f)
      ++dropped;
    else
      EXPECT_FLOAT_EQ(v, 2.0f / 0.7f);
  }
  const double n = static_cast<double>(y.size()), p = 0.3;
  const double sigma = std::sqrt(n * p * (1 - p));
  std::printf("dropout 0.3: dropped %zu of %.0f (expected %.0f +- %.1f)\n", dropped, n, n * p, sigma);
  EXPECT_NEAR(static_cast<double>(dropped), n * p, 3 * sigma);
  // New masks on each call; a seed reproduces the sequence of masks.
  auto y2 = d(x, true);
  EXPECT_NE(y.to_vector(), y2.to_vector());
  Dropout<float> same(0.3, {.seed = 11});
  EXPECT_EQ(same(x, true).to_vector(), y.to_vector());
  EXPECT_EQ(same(x, true).to_vector(), y2.to_vector());
  Dropout<float> zero(0.0);
  EXPECT_EQ(zero(x, true).id(), x.id());
  // Any rank, any feature size: Dropout has no weights.
  EXPECT_EQ(d(Tensor<float>::ones({3, 4, 5}), true).shape(), (Shape{3, 4, 5}));
}

TEST(Dropout, GradcheckWithAFixedMask) {
  auto x = rnd({3, 4}, 5);
  auto r = gradcheck(
      [&](const std::vector<Tensor<double>>& v) {
        Dropout<double> d(0.4, {.seed = 99});  // a fresh layer per evaluation: the same mask every time
        return d(v[0], true);
      },
      {x});
  expect_ok(r, "Dropout 0.4 (training)");
}

TEST(Dropout, BadRate) {
  EXPECT_TRUE(throws_with<ValueError>([] { Dropout<float>(1.0); }, {"Dropout", "rate", "[0, 1)", "received 1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Dropout<float>(-0.1); }, {"rate", "received -0.1"}));
}

TEST(Embedding, LooksUpRowsAndMasksZeros) {
  Embedding<float> e(5, 3, {.mask_zero = true, .name = "emb_probe"});
  auto ids = Tensor<float>{{1, 4, 0}, {2, 2, 0}};
  auto y = e(ids);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 3}));
  ASSERT_EQ(e.weights().size(), 1u);
  EXPECT_EQ(e.weights()[0].name(), "emb_probe/embeddings");
  const auto& table = e.embeddings().value();
  EXPECT_EQ(table.shape(), (Shape{5, 3}));
  for (std::size_t i = 0; i < table.size(); ++i) EXPECT_LE(std::abs(table.data()[i]), 0.05f);
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 3; ++t)
      for (std::size_t k = 0; k < 3; ++k)
        EXPECT_EQ(y.at({b, t, k}), table.at({static_cast<std::size_t>(ids.at({b, t})), k}));
  auto m = e.compute_mask(ids, {});
  EXPECT_EQ(m.to_vector(), (std::vector<float>{1, 1, 0, 1, 1, 0}));
  Embedding<float> no_mask(5, 3);
  EXPECT_FALSE(no_mask.compute_mask(ids, {}).defined());
  // Sequence length may change between calls.
  EXPECT_EQ(e(Tensor<float>{{1, 2, 3, 4, 1}}).shape(), (Shape{1, 5, 3}));
  auto c = e.get_config();
  EXPECT_EQ(c.at("mask_zero"), true);
  EXPECT_EQ(c.at("embeddings_initializer").at("config").dump(), R"({"minval":-0.05,"maxval":0.05,"seed":null})");
}

TEST(Embedding, GradcheckWithRepeatedIdsAndRegularizer) {
  Embedding<double> e(6, 4, {.embeddings_regularizer = "l2"});
  auto ids = Tensor<double>{{1, 3, 1}, {5, 0, 3}};
  e(ids);
  auto r = gradcheck(
      [&](const std::vector<Tensor<double>>& v) {
        bind(e.embeddings(), v[0]);
        return tanh(e(ids)) + total(e.losses());
      },
      {rnd({6, 4}, 6)});
  expect_ok(r, "Embedding + l2 loss (repeated ids)");
}

TEST(Embedding, BadInput) {
  EXPECT_TRUE(throws_with<ValueError>([] { Embedding<float>(0, 3); }, {"Embedding", "input_dim", "received 0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Embedding<float>(3, -2); }, {"output_dim", "received -2"}));
  Embedding<float> e(4, 2, {.name = "emb_bad"});
  EXPECT_TRUE(throws_with<IndexError>([&] { e(Tensor<float>{{1, 4}}); },
                                      {"emb_bad", "input_dim 4", "[0, 4)", "received 4"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e(Tensor<float>{{-1, 0}}); }, {"received -1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { e(Tensor<float>{{1.5f, 0}}); }, {"emb_bad", "integer", "1.5"}));
}

TEST(Masking, ZeroesMaskedStepsAndComputesTheMask) {
  Masking<float> m(0.5);
  // (2, 3, 2): step (0,1) and (1,0), (1,2) are all 0.5.
  Tensor<float> x{{{1, 2}, {0.5f, 0.5f}, {0.5f, 3}}, {{0.5f, 0.5f}, {4, 5}, {0.5f, 0.5f}}};
  auto y = m(x);
  EXPECT_TRUE(all_close(y, Tensor<float>{{{1, 2}, {0, 0}, {0.5f, 3}}, {{0, 0}, {4, 5}, {0, 0}}}, 0.0));
  auto mask = m.compute_mask(x, {});
  EXPECT_EQ(mask.shape(), (Shape{2, 3}));
  EXPECT_EQ(mask.to_vector(), (std::vector<float>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(m.get_config().at("mask_value"), 0.5);
  EXPECT_TRUE(throws_with<ShapeError>([&] { m(Tensor<float>{1, 2}); }, {"Masking", "rank >= 2", "(2,)"}));
}

TEST(Masking, Gradcheck) {
  Masking<double> m(0.5);
  // Masked steps are pinned to exactly mask_value whatever the perturbation, so the mask is fixed.
  auto keep = Tensor<double>(Shape{2, 3, 1}, std::vector<double>{1, 0, 1, 0, 1, 1});
  auto pad = (1.0 - keep) * 0.5;
  auto r = gradcheck(
      [&](const std::vector<Tensor<double>>& v) { return m(v[0] * keep + pad); }, {rnd({2, 3, 4}, 8)});
  expect_ok(r, "Masking");
}
