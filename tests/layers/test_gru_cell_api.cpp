// GRUCell's Keras surface: defaults, weight names/shapes/order, get_config, regularizer losses,
// constraints, and the loom exceptions raised for bad input (each naming the argument, the
// expected and the received value).
#include <gtest/gtest.h>

#include "gru_test_util.hpp"

using namespace loom;
using namespace loom::testing;

TEST(GRUCellApi, KerasDefaultsAndConfig) {
  GRUCell<float> cell(8);
  EXPECT_EQ(cell.units(), 8u);
  EXPECT_EQ(cell.state_size(), std::vector<std::size_t>{8});
  EXPECT_EQ(cell.output_size(), 8u);
  const Config c = cell.get_config();
  EXPECT_EQ(c.at("units"), 8);
  EXPECT_EQ(c.at("activation"), "tanh");
  EXPECT_EQ(c.at("recurrent_activation"), "sigmoid");
  EXPECT_EQ(c.at("use_bias"), true);
  EXPECT_EQ(c.at("kernel_initializer").at("class_name"), "GlorotUniform");
  EXPECT_EQ(c.at("recurrent_initializer").at("config").dump(), R"({"gain":1.0,"seed":null})");
  EXPECT_EQ(c.at("bias_initializer").at("class_name"), "Zeros");
  for (const char* k : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                        "kernel_constraint", "recurrent_constraint", "bias_constraint", "seed"})
    EXPECT_TRUE(c.at(k).is_null()) << k;
  // Shortest round-trip spellings, as Keras writes them.
  EXPECT_EQ(c.at("dropout").dump(), "0.0");
  EXPECT_EQ(GRUCell<float>(2, {.dropout = 0.2}).get_config().at("dropout").dump(), "0.2");
  EXPECT_EQ(c.at("implementation"), 2);
  EXPECT_EQ(c.at("reset_after"), true);
  EXPECT_EQ(c.at("name"), cell.name());
  EXPECT_EQ(cell.name().rfind("gru_cell", 0), 0u);

  GRUCell<float> none(2, {.activation = nullptr});
  EXPECT_EQ(none.get_config().at("activation"), "linear");
}

TEST(GRUCellApi, WeightNamesShapesAndParamCounts) {
  // docs/keras_contract.md §1.3: I=4, U=5 -> 165 parameters with reset_after, 150 without.
  GRUCell<float> ra(5, {.name = "gru_cell_ra"});
  ra.build(Shape{2, 4});
  auto w = ra.weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].name(), "gru_cell_ra/kernel");
  EXPECT_EQ(w[1].name(), "gru_cell_ra/recurrent_kernel");
  EXPECT_EQ(w[2].name(), "gru_cell_ra/bias");
  EXPECT_EQ(w[0].shape(), (Shape{4, 15}));
  EXPECT_EQ(w[1].shape(), (Shape{5, 15}));
  EXPECT_EQ(w[2].shape(), (Shape{2, 15}));
  EXPECT_EQ(ra.count_params(), 165u);

  GRUCell<float> rb(5, {.reset_after = false});
  rb.build(Shape{2, 4});
  EXPECT_EQ(rb.weights()[2].shape(), (Shape{15}));
  EXPECT_EQ(rb.count_params(), 150u);

  GRUCell<float> nb(5, {.use_bias = false});
  nb.build(Shape{2, 4});
  EXPECT_EQ(nb.weights().size(), 2u);
  EXPECT_FALSE(nb.bias().defined());

  // Defaults: zero bias, orthonormal rows of the whole recurrent kernel (docs/keras_contract.md
  // §4.2).
  auto b = ra.bias().value();
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b.data()[i], 0.0f);
  auto R = ra.recurrent_kernel().value();
  auto RRt = matmul(R, transpose(R));
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) EXPECT_NEAR(RRt.at({i, j}), i == j ? 1.0f : 0.0f, 1e-5);
}

TEST(GRUCellApi, RegularizerLossesAndConstraints) {
  GRUCell<double> cell(3, {.kernel_regularizer = "l1", .recurrent_regularizer = L2(0.5),
                           .bias_regularizer = "l2", .kernel_constraint = NonNeg(),
                           .recurrent_constraint = "max_norm"});
  cell.build(Shape{1, 2});
  auto losses = cell.losses();
  ASSERT_EQ(losses.size(), 3u);
  double l1 = 0, l2 = 0;
  const auto& K = cell.kernel().value();
  const auto& R = cell.recurrent_kernel().value();
  for (std::size_t i = 0; i < K.size(); ++i) l1 += std::abs(K.data()[i]);
  for (std::size_t i = 0; i < R.size(); ++i) l2 += R.data()[i] * R.data()[i];
  double total = 0;
  for (const auto& l : losses) total += l.item();
  EXPECT_NEAR(total, 0.01 * l1 + 0.5 * l2 + 0.0, 1e-12);  // the bias starts at zero
  EXPECT_TRUE(bool(cell.kernel().constraint()));
  EXPECT_TRUE(bool(cell.recurrent_kernel().constraint()));
  EXPECT_FALSE(bool(cell.bias().constraint()));
  auto projected = cell.kernel().constraint()(Tensor<double>{{-1.0, 2.0}});
  EXPECT_EQ(projected.at({0, 0}), 0.0);
  EXPECT_EQ(projected.at({0, 1}), 2.0);
}

TEST(GRUCellApi, InitialStateAndStepShapes) {
  GRUCell<float> cell(6);
  auto s = cell.get_initial_state(3);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].shape(), (Shape{3, 6}));
  auto out = cell.call(Tensor<float>::ones(Shape{3, 2}), s, false);
  EXPECT_EQ(out.output.shape(), (Shape{3, 6}));
  ASSERT_EQ(out.states.size(), 1u);
  EXPECT_EQ(out.states[0].id(), out.output.id());  // the new state is the output
  EXPECT_TRUE(cell.built());
}

// ---- bad input ----

TEST(GRUCellErrors, UnitsMustBePositive) {
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(0); }, {"GRUCell", "units", "positive", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(-1); }, {"GRUCell", "units", "positive", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(-7L); }, {"units", "-7"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<double> c(std::size_t{0}); }, {"units", "0"}));
}

TEST(GRUCellErrors, ImplementationMustBeKnown) {
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(2, {.implementation = 3}); },
                                      {"GRUCell", "implementation", "1 or 2", "3"}));
}

TEST(GRUCellErrors, InputRankMustBeTwo) {
  GRUCell<float> cell(4, {.name = "g"});
  auto s = cell.get_initial_state(2);
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.call(Tensor<float>::ones(Shape{2, 3, 5}), s, false); },
                                      {"GRUCell 'g'", "inputs", "rank 2", "received rank 3", "(2, 3, 5)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.call(Tensor<float>::ones(Shape{5}), s, false); },
                                      {"inputs", "rank 2", "rank 1"}));
  EXPECT_FALSE(cell.built());
}

TEST(GRUCellErrors, FeatureSizeChangedAfterBuild) {
  GRUCell<float> cell(4, {.name = "g"});
  auto s = cell.get_initial_state(2);
  cell.call(Tensor<float>::ones(Shape{2, 5}), s, false);
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.call(Tensor<float>::ones(Shape{2, 6}), s, false); },
                                      {"GRUCell 'g'", "inputs", "feature size 5", "received 6"}));
}

TEST(GRUCellErrors, WrongStateShapeOrCount) {
  GRUCell<float> cell(4, {.name = "g"});
  auto x = Tensor<float>::ones(Shape{2, 5});
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.call(x, {Tensor<float>::zeros(Shape{2, 3})}, false); },
                                      {"GRUCell 'g'", "states[0]", "(2, 4)", "(2, 3)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.call(x, {Tensor<float>::zeros(Shape{3, 4})}, false); },
                                      {"states[0]", "(2, 4)", "(3, 4)"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { cell.call(x, {}, false); }, {"states", "1 state", "received 0"}));
  auto h = Tensor<float>::zeros(Shape{2, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { cell.call(x, {h, h}, false); }, {"states", "received 2"}));
}

TEST(GRUCellErrors, SetWeightsWrongCountOrShape) {
  GRUCell<float> cell(4, {.name = "g"});
  cell.build(Shape{2, 5});
  auto w = cell.get_weights();
  const auto before = cell.get_weights();
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.set_weights({w[0], w[1]}); }, {"expected 3 weights", "g/kernel", "received 2"}));
  auto bad = w;
  bad[2] = xt::xarray<float>::from_shape({12});  // a reset_after=false bias on a reset_after cell
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.set_weights(bad); }, {"g/bias", "(2, 12)", "(12,)"}));
  bad = w;
  bad[0] = xt::xarray<float>::from_shape({6, 12});
  EXPECT_TRUE(throws_with<ShapeError>([&] { cell.set_weights(bad); }, {"g/kernel", "(5, 12)", "(6, 12)"}));
  EXPECT_EQ(cell.get_weights()[0], before[0]);  // nothing changed
}

TEST(GRUCellErrors, UnknownActivationOrInitializerString) {
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(2, {.activation = "tanhh"}); },
                                      {"tanhh", "tanh", "sigmoid"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(2, {.recurrent_activation = "sigmod"}); },
                                      {"sigmod", "hard_sigmoid"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(2, {.kernel_initializer = "glorot"}); },
                                      {"glorot", "glorot_uniform"}));
  EXPECT_TRUE(throws_with<ValueError>([] { GRUCell<float> c(2, {.recurrent_initializer = "orthogonall"}); },
                                      {"orthogonall", "orthogonal"}));
}
