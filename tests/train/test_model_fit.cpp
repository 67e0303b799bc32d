// Model / Sequential: fit on a generated regression task, History, evaluate, predict, summary,
// regularization losses, masks through Sequential, subclassed models, and fit == a hand-written
// GradientTape loop.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::make_mlp;
using loom::testing::make_regression;
using loom::testing::throws_with;
using F = Tensor<float>;

namespace {
std::shared_ptr<optimizers::Adam<float>> adam(double lr) {
  return std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = lr});
}
}  // namespace

TEST(ModelFit, RegressionReachesTargetLossAndHistoryHoldsEveryEpoch) {
  auto data = make_regression(320, 1);
  auto model = make_mlp("reg", 11);
  model->compile(adam(0.02), "mse", {"mae"});
  const auto h = model->fit(data.x, data.y,
                            {.epochs = 150, .batch_size = 32, .seed = 3, .validation_split = 0.2, .verbose = 0});
  ASSERT_EQ(h.size(), 150u);
  EXPECT_EQ(h.epoch.front(), 0u);
  EXPECT_EQ(h.epoch.back(), 149u);
  for (const char* key : {"loss", "mae", "val_loss", "val_mae"}) ASSERT_EQ(h[key].size(), 150u) << key;
  const double first = h["loss"].front(), last = h["loss"].back(), val_last = h["val_loss"].back();
  std::printf("regression: loss %.5f -> %.5f, val_loss %.5f, val_mae %.5f\n", first, last, val_last,
              h["val_mae"].back());
  // The target loss 0.01; the untrained loss is about 3.6 (noise variance 1e-4 is the floor).
  EXPECT_LT(last, 1e-2);
  EXPECT_LT(val_last, 1e-2);
  EXPECT_GT(first, 20 * last);
  // val_loss is what evaluate gives on the last 20% with the final weights.
  const std::size_t split_at = 256;
  F xv = F::empty(Shape{64, 4}), yv = F::empty(Shape{64, 1});
  std::memcpy(xv.data(), data.x.data() + split_at * 4, 64 * 4 * sizeof(float));
  std::memcpy(yv.data(), data.y.data() + split_at, 64 * sizeof(float));
  const Logs ev = model->evaluate(xv, yv, {.verbose = 0});
  EXPECT_DOUBLE_EQ(ev.at("loss"), val_last);
  EXPECT_DOUBLE_EQ(ev.at("mae"), h["val_mae"].back());
  EXPECT_EQ(model->history(), h);
  EXPECT_TRUE(model->stop_reason().empty());
}

TEST(ModelFit, DatasetInputAndValidationData) {
  auto train = make_regression(96, 2), val = make_regression(40, 3);
  auto model = make_mlp("dsin", 12);
  model->compile(adam(0.01), "mse");
  const auto h = model->fit(Dataset<float>(train.x, train.y).shuffle(5).batch(16),
                            {.epochs = 3, .validation_data = Dataset<float>(val.x, val.y), .verbose = 0});
  ASSERT_EQ(h["val_loss"].size(), 3u);
  EXPECT_DOUBLE_EQ(h["val_loss"].back(), model->evaluate(val.x, val.y, {.verbose = 0}).at("loss"));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { model->fit(Dataset<float>(train.x, train.y), {.validation_split = 0.1, .verbose = 0}); },
      {"validation_split", "Dataset"}));
}

TEST(ModelFit, PredictConcatenatesBatchesAndMatchesACall) {
  auto data = make_regression(50, 4);
  auto model = make_mlp("pred", 13);
  const F p = model->predict(data.x, {.batch_size = 16});
  ASSERT_EQ(p.shape(), (Shape{50, 1}));
  const F direct = (*model)(data.x, false);
  EXPECT_TRUE(loom::testing::all_close(p, direct, 1e-6));
}

TEST(ModelFit, BadUseThrowsNamedErrors) {
  auto data = make_regression(20, 5);
  auto model = make_mlp("bad", 14);
  EXPECT_TRUE(throws_with<ValueError>([&] { model->fit(data.x, data.y, {.verbose = 0}); }, {"compile"}));
  model->compile(adam(0.01), "mse");
  EXPECT_TRUE(throws_with<ValueError>([&] { model->fit(data.x, data.y, {.validation_split = 1.0, .verbose = 0}); },
                                      {"validation_split", "[0, 1)"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { model->fit(data.x, data.y, {.epochs = 0, .verbose = 0}); }, {"epochs"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { model->fit(data.x, F(Shape{3, 1}, std::vector<float>(3)), {.verbose = 0}); },
                                      {"'bad' fit", "y expected 20 samples", "(20, 4)", "(3, 1)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { model->evaluate(data.x, F(Shape{3, 1}, std::vector<float>(3)), {.verbose = 0}); },
                                      {"'bad' evaluate", "y expected 20 samples", "(20, 4)", "(3, 1)"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { model->compile(nullptr, "mse"); }, {"optimizer"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { model->compile(adam(0.1), "no_such_loss"); }, {"no_such_loss"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { model->compile(adam(0.1), "mse", {"mae", "mae"}); }, {"mae"}));
  Sequential<float> dup("dup");
  dup.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "same"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { dup.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "same"})); }, {"same", "unique"}));
  Sequential<float> empty("empty_seq");
  EXPECT_TRUE(throws_with<ValueError>([&] { empty(data.x); }, {"empty"}));
}

TEST(ModelFit, SummaryTableListsLayersShapesAndParameterCounts) {
  auto model = make_mlp("summ", 15, 0.1);
  const std::string s = model->summary_string();
  std::printf("%s", s.c_str());
  EXPECT_NE(s.find("Model: \"summ\""), std::string::npos);
  EXPECT_NE(s.find("summ_hidden (Dense)"), std::string::npos);
  EXPECT_NE(s.find("summ_drop (Dropout)"), std::string::npos);
  EXPECT_NE(s.find("(None, 16)"), std::string::npos);
  EXPECT_NE(s.find("(None, 1)"), std::string::npos);
  // 4*16 + 16 = 80 and 16 + 1 = 17.
  EXPECT_NE(s.find(" 80 "), std::string::npos);
  EXPECT_NE(s.find(" 17 "), std::string::npos);
  EXPECT_NE(s.find("Total params: 97 (388.00 B)"), std::string::npos);
  EXPECT_NE(s.find("Trainable params: 97"), std::string::npos);
  EXPECT_NE(s.find("Non-trainable params: 0"), std::string::npos);
  model->get_layer("summ_out")->set_trainable(false);
  const std::string frozen = model->summary_string();
  EXPECT_NE(frozen.find("Trainable params: 80"), std::string::npos);
  EXPECT_NE(frozen.find("Non-trainable params: 17"), std::string::npos);
}

TEST(ModelFit, RegularizationLossIsAddedToTheTrainingLoss) {
  set_seed(21);
  Sequential<float> model("regu");
  model.add(std::make_shared<Dense<float>>(3, DenseOptions{.kernel_regularizer = "l2", .name = "regu_a"}));
  model.add(std::make_shared<Dense<float>>(1, DenseOptions{.bias_regularizer = L1(0.5), .name = "regu_b"}));
  auto data = make_regression(8, 6);
  model.build(Shape{1, 4});
  // Keras's "l2" is 0.01 * sum(w^2); L1(0.5) on a zero bias is 0.
  auto ka = model.get_layer("regu_a")->weights()[0].value();
  double expected = 0.0;
  for (std::size_t i = 0; i < ka.size(); ++i) expected += 0.01 * ka.data()[i] * ka.data()[i];
  EXPECT_NEAR(model.regularization_loss().item(), expected, 1e-6);
  model.compile(std::make_shared<optimizers::SGD<float>>(), "mse");
  const F pred = model(data.x, false);
  const double mse = losses::mse(data.y, pred).item();
  const Logs logs = model.test_on_batch(data.x, data.y);
  EXPECT_NEAR(logs.at("loss"), mse + expected, 1e-5);
  // A model without regularizers has a zero regularization loss.
  EXPECT_EQ(make_mlp("noreg", 1)->regularization_loss().item(), 0.0f);
}

TEST(ModelFit, MasksPropagateThroughSequentialIntoTheLoss) {
  set_seed(31);
  Sequential<float> model("masked");
  model.add(std::make_shared<Masking<float>>(0.0, MaskingOptions{.name = "masked_masking"}));
  model.add(std::make_shared<GRU<float>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = true, .name = "masked_gru"}));
  model.add(std::make_shared<Dense<float>>(1, DenseOptions{.name = "masked_out"}));
  // Two sequences of 4 steps; the second has its last two steps padded with zeros.
  F x(Shape{2, 4, 2}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 1, -1, 2, -2, 0, 0, 0, 0});
  F y(Shape{2, 4, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 100, 100});
  model.compile(std::make_shared<optimizers::SGD<float>>(), "mse");
  const F pred = model(x, false);
  const F mask = model.output_mask();
  ASSERT_TRUE(mask.defined());
  EXPECT_EQ(mask.to_vector(), (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0}));
  const double masked = losses::mse(y, pred, {}, {}, mask).item();
  const double unmasked = losses::mse(y, pred).item();
  const Logs logs = model.test_on_batch(x, y);
  EXPECT_NEAR(logs.at("loss"), masked, 1e-6);
  EXPECT_GT(unmasked, masked + 100.0);  // the padded targets (100) would dominate
}

namespace {
// A subclassed model, as users write them.
struct TwoLayer : Model<float> {
  std::shared_ptr<Dense<float>> hidden =
      track(std::make_shared<Dense<float>>(8, DenseOptions{.activation = "relu", .name = "sub_hidden"}));
  std::shared_ptr<Dense<float>> out = track(std::make_shared<Dense<float>>(1, DenseOptions{.name = "sub_out"}));
  TwoLayer() : Model<float>("two_layer") {}
  Tensor<float> call(const Tensor<float>& x, bool training) override { return (*out)((*hidden)(x, training), training); }
};
}  // namespace

TEST(ModelFit, SubclassedModelTrainsAndSummarises) {
  set_seed(41);
  TwoLayer model;
  auto data = make_regression(128, 7);
  model.compile(adam(0.02), "mse");
  const auto h = model.fit(data.x, data.y, {.epochs = 15, .batch_size = 16, .verbose = 0});
  EXPECT_LT(h["loss"].back(), 0.25 * h["loss"].front());
  EXPECT_EQ(model.trainable_weights().size(), 4u);
  const std::string s = model.summary_string();
  EXPECT_NE(s.find("sub_hidden (Dense)"), std::string::npos);
  EXPECT_NE(s.find("Total params: 49"), std::string::npos);  // 4*8+8 + 8+1
}

// fit is the loop a user would write around a GradientTape: both give the same weights, bit for bit.
TEST(ModelFit, FitEqualsAHandWrittenTapeLoop) {
  auto data = make_regression(64, 8);
  auto a = make_mlp("loop_a", 51);
  auto b = make_mlp("loop_b", 51);
  a->compile(adam(0.01), "mse");
  a->fit(data.x, data.y, {.epochs = 3, .batch_size = 16, .shuffle = false, .verbose = 0});

  optimizers::Adam<float> opt({.learning_rate = 0.01});
  for (int epoch = 0; epoch < 3; ++epoch)
    for (const auto& batch : Dataset<float>(data.x, data.y).batch(16)) {
      GradientTape<float> tape;
      auto pred = (*b)(batch.x, true);
      auto loss = losses::mse(batch.y, pred) + b->regularization_loss();
      auto grads = tape.gradient(loss, b->trainable_weights());
      opt.apply_gradients(grads, b->trainable_weights());
    }
  const auto wa = a->weights(), wb = b->weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(bit_equal(wa[i].value(), wb[i].value())) << i;
}

TEST(ModelFit, AccuracyFollowsTheLoss) {
  set_seed(61);
  Sequential<float> model("acc_model");
  model.add(std::make_shared<Dense<float>>(1, DenseOptions{.activation = "sigmoid", .name = "acc_out"}));
  model.compile(adam(0.05), "binary_crossentropy", {"accuracy"});
  F x(Shape{8, 1}, std::vector<float>{-2, -1.5f, -1, -0.5f, 0.5f, 1, 1.5f, 2});
  F y(Shape{8, 1}, std::vector<float>{0, 0, 0, 0, 1, 1, 1, 1});
  const auto h = model.fit(x, y, {.epochs = 60, .batch_size = 8, .verbose = 0});
  EXPECT_DOUBLE_EQ(h["accuracy"].back(), 1.0);  // binary accuracy at threshold 0.5
}
