// The Layer base: lazy build, weight order, get/set_weights, losses, trainability, errors.
#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::throws_with;

namespace {

// x @ a + b, plus an unused weight c; a has an L2 penalty, c an L1 penalty, b is non-trainable.
template <class T>
class Toy : public Layer<T> {
 public:
  explicit Toy(std::string name = "") : Layer<T>(name.empty() ? unique_layer_name("toy") : name) {}
  void build(const Shape& s) override {
    ++builds;
    a = this->add_weight("a", Shape{s.dim(-1), 2}, std::make_shared<Constant>(0.5),
                         std::make_shared<L2>(0.01));
    b = this->add_weight("b", Shape{2}, get_initializer("zeros"), nullptr, nullptr, false);
    c = this->add_weight("c", Shape{3}, std::make_shared<Constant>(-2.0), std::make_shared<L1>(0.1),
                         std::make_shared<NonNeg>());
    Layer<T>::build(s);
  }
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>&) override { return matmul(x, a.value()) + b.value(); }
  Variable<T> a, b, c;
  int builds = 0;
};

xt::xarray<float> arr(const Shape& s, float start) {
  std::vector<std::size_t> dims(s.begin(), s.end());
  xt::xarray<float> x = xt::xarray<float>::from_shape(dims);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = start + static_cast<float>(i);
  return x;
}

}  // namespace

TEST(LayerBase, UniqueNamesFollowKeras) {
  const std::string base = "unique_name_probe";
  EXPECT_EQ(unique_layer_name(base), base);
  EXPECT_EQ(unique_layer_name(base), base + "_1");
  EXPECT_EQ(unique_layer_name(base), base + "_2");
  Toy<float> t1, t2;
  EXPECT_NE(t1.name(), t2.name());
  Toy<float> named("mine");
  EXPECT_EQ(named.name(), "mine");
}

TEST(LayerBase, BuildsLazilyOnceWithKerasWeightOrder) {
  Toy<float> t("toy_order");
  EXPECT_FALSE(t.built());
  EXPECT_TRUE(t.weights().empty());
  auto y = t(Tensor<float>::ones({4, 3}));
  EXPECT_TRUE(t.built());
  EXPECT_EQ(t.builds, 1);
  EXPECT_EQ(y.shape(), (Shape{4, 2}));
  EXPECT_FLOAT_EQ(y.at({0, 0}), 1.5f);  // 3 * 0.5
  t(Tensor<float>::ones({7, 3}));       // another batch size is fine
  EXPECT_EQ(t.builds, 1);
  EXPECT_EQ(t.build_input_shape(), (Shape{4, 3}));

  const auto w = t.weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].name(), "toy_order/a");
  EXPECT_EQ(w[1].name(), "toy_order/b");
  EXPECT_EQ(w[2].name(), "toy_order/c");
  const auto tw = t.trainable_weights();
  ASSERT_EQ(tw.size(), 2u);
  EXPECT_TRUE(tw[0].same_as(t.a));
  EXPECT_TRUE(tw[1].same_as(t.c));
  const auto nw = t.non_trainable_weights();
  ASSERT_EQ(nw.size(), 1u);
  EXPECT_TRUE(nw[0].same_as(t.b));
  EXPECT_EQ(t.count_params(), 6u + 2u + 3u);
}

TEST(LayerBase, ChangedFeatureSizeAfterBuildThrows) {
  Toy<float> t("toy_feat");
  t(Tensor<float>::ones({2, 3}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { t(Tensor<float>::ones({2, 4})); },
                                      {"toy_feat", "feature size", "expected 3", "received 4"}));
  // maybe_build, used by wrappers that step call() directly, checks the same.
  EXPECT_TRUE(throws_with<ShapeError>([&] { t.maybe_build(Shape{5, 7}); }, {"expected 3", "received 7"}));
  EXPECT_NO_THROW(t.maybe_build(Shape{5, 3}));
  EXPECT_TRUE(throws_with<ValueError>([&] { t(Tensor<float>()); }, {"toy_feat", "undefined"}));
}

TEST(LayerBase, GetSetWeightsRoundTrip) {
  Toy<float> t("toy_rt");
  t(Tensor<float>::ones({1, 3}));
  auto w = t.get_weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].shape()[0], 3u);
  EXPECT_EQ(w[0].shape()[1], 2u);
  EXPECT_FLOAT_EQ(w[0](1, 1), 0.5f);
  EXPECT_FLOAT_EQ(w[2](0), -2.0f);

  std::vector<xt::xarray<float>> nv = {arr({3, 2}, 1.0f), arr({2}, 10.0f), arr({3}, -1.0f)};
  t.set_weights(nv);
  auto back = t.get_weights();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(back[i], nv[i]) << "weight " << i;
  // The layer computes with the new values, through the same variables (ids kept).
  auto y = t(Tensor<float>{{1, 0, 0}});
  EXPECT_FLOAT_EQ(y.at({0, 0}), 1.0f + 10.0f);
  EXPECT_FLOAT_EQ(y.at({0, 1}), 2.0f + 11.0f);
}

TEST(LayerBase, SetWeightsErrorsNameTheWeightAndChangeNothing) {
  Toy<float> t("toy_err");
  t(Tensor<float>::ones({1, 3}));
  const auto before = t.get_weights();
  EXPECT_TRUE(throws_with<ShapeError>([&] { t.set_weights({arr({3, 2}, 0), arr({2}, 0)}); },
                                      {"toy_err", "expected 3 weights", "toy_err/a", "received 2"}));
  // First weight valid, second wrong: nothing may be written.
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { t.set_weights({arr({3, 2}, 100), arr({3}, 0), arr({3}, 0)}); },
      {"toy_err/b", "expected shape (2,)", "received (3,)"}));
  const auto after = t.get_weights();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(after[i], before[i]) << "weight " << i;

  Toy<float> unbuilt("toy_unbuilt");
  EXPECT_TRUE(throws_with<ShapeError>([&] { unbuilt.set_weights({arr({3, 2}, 0)}); },
                                      {"toy_unbuilt", "expected 0 weights", "not built", "received 1"}));
}

TEST(LayerBase, LossesAreComputedFreshAndEnterGradients) {
  Toy<double> t("toy_loss");
  t(Tensor<double>::ones({1, 2}));
  auto l = t.losses();
  ASSERT_EQ(l.size(), 2u);                      // a (L2) and c (L1); b has none
  EXPECT_NEAR(l[0].item(), 0.01 * 4 * 0.25, 1e-15);  // 0.01 * sum(0.5^2) over (2, 2)
  EXPECT_NEAR(l[1].item(), 0.1 * 3 * 2.0, 1e-15);    // 0.1 * sum(|-2|) over (3)
  t.a.assign(Tensor<double>{{1, 2}, {3, -4}});
  l = t.losses();
  EXPECT_NEAR(l[0].item(), 0.01 * (1 + 4 + 9 + 16), 1e-15);

  GradientTape<double> tape;
  auto total = t.losses()[0] + t.losses()[1];
  auto g = tape.gradient(total, std::vector<Variable<double>>{t.a, t.c});
  EXPECT_TRUE(all_close(g[0], Tensor<double>{{0.02, 0.04}, {0.06, -0.08}}, 1e-15));
  EXPECT_TRUE(all_close(g[1], Tensor<double>{-0.1, -0.1, -0.1}, 1e-15));
}

TEST(LayerBase, ConstraintIsInstalledOnTheVariableNotAppliedAtCreation) {
  Toy<float> t("toy_con");
  t(Tensor<float>::ones({1, 3}));
  EXPECT_FLOAT_EQ(t.c.value().at({0}), -2.0f);  // Keras does not constrain initial values
  ASSERT_TRUE(static_cast<bool>(t.c.constraint()));
  EXPECT_FALSE(static_cast<bool>(t.a.constraint()));
  auto projected = t.c.constraint()(Tensor<float>{-1, 2, -3});
  EXPECT_TRUE(all_close(projected, Tensor<float>{0, 2, 0}, 0.0));
}

TEST(LayerBase, FreezingMovesEveryWeightToNonTrainable) {
  Toy<float> t("toy_freeze");
  t(Tensor<float>::ones({1, 3}));
  t.set_trainable(false);
  EXPECT_TRUE(t.trainable_weights().empty());
  EXPECT_EQ(t.non_trainable_weights().size(), 3u);
  EXPECT_FALSE(t.a.trainable());  // tapes stop watching it
  EXPECT_EQ(t.get_config().at("trainable"), false);
  t.set_trainable(true);
  EXPECT_EQ(t.trainable_weights().size(), 2u);
  EXPECT_FALSE(t.b.trainable());  // created non-trainable, stays so
}

namespace {
template <class T>
class Parent : public Layer<T> {
 public:
  Parent() : Layer<T>("parent_probe"), child(std::make_shared<Toy<T>>("child_probe")) {
    this->track_layer(child);
  }
  void build(const Shape& s) override {
    own = this->add_weight("own", Shape{1}, get_initializer("ones"), std::make_shared<L2>(1.0));
    child->maybe_build(s);
    Layer<T>::build(s);
  }
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>&) override { return x; }
  std::shared_ptr<Toy<T>> child;
  Variable<T> own;
};
}  // namespace

TEST(LayerBase, TrackedSubLayersFollowOwnWeights) {
  Parent<float> p;
  p(Tensor<float>::ones({1, 3}));
  const auto w = p.weights();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].name(), "parent_probe/own");
  EXPECT_EQ(w[1].name(), "child_probe/a");
  EXPECT_EQ(p.losses().size(), 3u);
  EXPECT_EQ(p.get_weights().size(), 4u);
}

namespace {
class ToyCell : public RNNCell<float> {
 public:
  ToyCell() : RNNCell<float>("toy_cell") {}
  std::vector<std::size_t> state_size() const override { return {3, 2}; }
  std::size_t output_size() const override { return 3; }
  CellOutput<float> call(const Tensor<float>& x, const std::vector<Tensor<float>>& s, bool) override {
    return {x, s};
  }
};
}  // namespace

TEST(RNNCellBase, InitialStateIsZerosAndPlainCallThrows) {
  ToyCell c;
  auto s = c.get_initial_state(4);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].shape(), (Shape{4, 3}));
  EXPECT_EQ(s[1].shape(), (Shape{4, 2}));
  EXPECT_TRUE(all_close(s[0], Tensor<float>::zeros({4, 3}), 0.0));
  EXPECT_TRUE(throws_with<ValueError>([&] { c(Tensor<float>::ones({4, 3})); }, {"toy_cell", "RNN"}));
}

// Convention 4 of docs/extending.md: every built-in weight accessor refuses an unbuilt layer the
// same way, naming the layer and the weight, and hands out the weight once built.
TEST(LayerBase, WeightAccessorsRefuseAnUnbuiltLayerAlike) {
  auto expect_unbuilt = [](const std::string& layer, const std::string& weight, auto&& access) {
    EXPECT_TRUE(throws_with<ValueError>(access, {"'" + layer + "'", "weight '" + weight + "'",
                                                 "expected a built layer", "build() it first"}))
        << layer << "/" << weight;
  };
  Dense<float> dense(2, {.name = "acc_dense"});
  expect_unbuilt("acc_dense", "kernel", [&] { dense.kernel(); });
  expect_unbuilt("acc_dense", "bias", [&] { dense.bias(); });
  Embedding<float> emb(5, 2, {.name = "acc_emb"});
  expect_unbuilt("acc_emb", "embeddings", [&] { emb.embeddings(); });
  GRUCell<float> gru(3, {.name = "acc_gru"});
  LSTMCell<float> lstm(3, {.name = "acc_lstm"});
  SimpleRNNCell<float> srnn(3, {.name = "acc_srnn"});
  auto cells = [&](auto& cell, const std::string& name) {
    expect_unbuilt(name, "kernel", [&] { cell.kernel(); });
    expect_unbuilt(name, "recurrent_kernel", [&] { cell.recurrent_kernel(); });
    expect_unbuilt(name, "bias", [&] { cell.bias(); });
    cell.build(Shape{1, 4});
    EXPECT_EQ(cell.kernel().shape()[0], 4u) << name;
    EXPECT_TRUE(cell.bias().defined()) << name;
  };
  cells(gru, "acc_gru");
  cells(lstm, "acc_lstm");
  cells(srnn, "acc_srnn");
  dense.build(Shape{1, 4});
  EXPECT_EQ(dense.kernel().shape(), (Shape{4, 2}));
}
