// Callbacks: EarlyStopping (restore_best_weights shown by evaluate), progress output on a captured
// (non-TTY) stream, CSVLogger, TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler,
// ModelCheckpoint, and the hook order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::make_mlp;
using loom::testing::make_regression;
using loom::testing::temp_dir;
using loom::testing::throws_with;
using F = Tensor<float>;

namespace {

// y = w x with one weight starting at 0, trained towards w = 3 by SGD, while the validation
// targets follow w = 1: val_loss falls until w passes 1, then rises. The best epoch is in the
// middle of training.
struct Drift {
  F x = F(Shape{16, 1}, std::vector<float>{-1, -0.875f, -0.75f, -0.625f, -0.5f, -0.375f, -0.25f, -0.125f,
                                           0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 0.875f, 1});
  F y_train = F::empty(Shape{16, 1});
  F y_val = F::empty(Shape{16, 1});
  Drift() {
    for (std::size_t i = 0; i < 16; ++i) {
      y_train.data()[i] = 3.0f * x.data()[i];
      y_val.data()[i] = x.data()[i];
    }
  }
};

std::shared_ptr<Sequential<float>> drift_model(const std::string& name) {
  auto m = std::make_shared<Sequential<float>>(name);
  m->add(std::make_shared<Dense<float>>(
      1, DenseOptions{.use_bias = false, .kernel_initializer = "zeros", .name = name + "_w"}));
  m->build(Shape{1, 1});
  m->compile(std::make_shared<optimizers::SGD<float>>(optimizers::SGDOptions{.learning_rate = 0.1}), "mse");
  return m;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string line; std::getline(is, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST(Callbacks, EarlyStoppingRestoresTheBestEpochsWeights) {
  Drift d;
  auto model = drift_model("es");
  auto es = std::make_shared<callbacks::EarlyStopping<float>>(
      callbacks::EarlyStoppingOptions{.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
  const auto h = model->fit(d.x, d.y_train,
                            {.epochs = 100, .batch_size = 16, .validation_data = Dataset<float>(d.x, d.y_val),
                             .callbacks = {es}, .verbose = 0});
  const auto& val = h["val_loss"];
  const auto best = std::min_element(val.begin(), val.end());
  const auto best_epoch = static_cast<std::size_t>(best - val.begin());
  std::printf("early stopping: %zu epochs run, best epoch %zu (val_loss %.6f), stopped at %zu (val_loss %.6f)\n",
              h.size(), best_epoch, *best, es->stopped_epoch(), val.back());
  EXPECT_LT(h.size(), 100u);  // it stopped early
  EXPECT_EQ(es->stopped_epoch(), h.size() - 1);
  EXPECT_EQ(es->best_epoch(), best_epoch);
  EXPECT_EQ(h.size() - 1 - best_epoch, 3u);  // patience 3 after the best epoch
  EXPECT_GT(val.back(), *best);
  // evaluate with the restored weights gives the best epoch's val_loss, not the last one's.
  const double restored = model->evaluate(d.x, d.y_val, {.verbose = 0}).at("loss");
  EXPECT_DOUBLE_EQ(restored, *best);
  EXPECT_NE(model->stop_reason().find("EarlyStopping"), std::string::npos);

  // Without restore_best_weights the last epoch's weights stay.
  auto model2 = drift_model("es2");
  auto es2 = std::make_shared<callbacks::EarlyStopping<float>>(
      callbacks::EarlyStoppingOptions{.monitor = "val_loss", .patience = 3});
  const auto h2 = model2->fit(d.x, d.y_train,
                              {.epochs = 100, .batch_size = 16, .validation_data = Dataset<float>(d.x, d.y_val),
                               .callbacks = {es2}, .verbose = 0});
  EXPECT_DOUBLE_EQ(model2->evaluate(d.x, d.y_val, {.verbose = 0}).at("loss"), h2["val_loss"].back());
}

TEST(Callbacks, EarlyStoppingOnAMissingMonitorSaysWhatIsLogged) {
  Drift d;
  auto model = drift_model("es_missing");
  auto es = std::make_shared<callbacks::EarlyStopping<float>>();  // val_loss, but no validation data
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { model->fit(d.x, d.y_train, {.epochs = 2, .callbacks = {es}, .verbose = 0}); },
      {"val_loss", "loss", "validation"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { callbacks::EarlyStopping<float>({.mode = "up"}); }, {"mode", "up"}));
}

TEST(Callbacks, NonTtyProgressHasOneLinePerEpochWithLossAndMetrics) {
  auto data = make_regression(100, 9);
  auto model = make_mlp("prog", 71);
  model->compile(std::make_shared<optimizers::Adam<float>>(), "mse", {"mae"});
  std::ostringstream out;  // not a terminal
  model->fit(data.x, data.y, {.epochs = 3, .batch_size = 32, .validation_split = 0.2, .verbose = 1, .out = &out});
  const std::string text = out.str();
  std::printf("%s", text.c_str());
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    const auto& l = lines[e];
    EXPECT_EQ(l.rfind("Epoch " + std::to_string(e + 1) + "/3", 0), 0u) << l;
    EXPECT_NE(l.find("3/3"), std::string::npos) << l;  // 80 training samples in batches of 32
    EXPECT_NE(l.find(" - loss: "), std::string::npos) << l;
    EXPECT_NE(l.find(" - mae: "), std::string::npos) << l;
    EXPECT_NE(l.find(" - val_loss: "), std::string::npos) << l;
    EXPECT_NE(l.find(" - val_mae: "), std::string::npos) << l;
  }
  EXPECT_EQ(text.find('\r'), std::string::npos);
  // verbose 0 prints nothing; verbose 2 is one line per epoch too.
  std::ostringstream quiet, two;
  model->fit(data.x, data.y, {.epochs = 2, .verbose = 0, .out = &quiet});
  EXPECT_TRUE(quiet.str().empty());
  model->fit(data.x, data.y, {.epochs = 2, .verbose = 2, .out = &two});
  EXPECT_EQ(lines_of(two.str()).size(), 2u);
  // evaluate prints one line.
  std::ostringstream ev;
  model->evaluate(data.x, data.y, {.verbose = 1, .out = &ev});
  ASSERT_EQ(lines_of(ev.str()).size(), 1u);
  EXPECT_NE(ev.str().find("4/4"), std::string::npos);
  EXPECT_NE(ev.str().find(" - mae: "), std::string::npos);
}

TEST(Callbacks, CsvLoggerWritesHistoryCsv) {
  const std::string dir = temp_dir("csv");
  auto data = make_regression(64, 10);
  auto model = make_mlp("csv", 72);
  model->compile(std::make_shared<optimizers::Adam<float>>(), "mse", {"mae"});
  auto csv = std::make_shared<callbacks::CSVLogger<float>>(dir + "/history.csv");
  const auto h = model->fit(data.x, data.y, {.epochs = 4, .validation_split = 0.25, .callbacks = {csv}, .verbose = 0});
  std::ifstream in(dir + "/history.csv");
  std::stringstream ss;
  ss << in.rdbuf();
  const auto lines = lines_of(ss.str());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "epoch,loss,mae,val_loss,val_mae");
  for (std::size_t e = 0; e < 4; ++e) {
    std::istringstream row(lines[e + 1]);
    std::string cell;
    std::getline(row, cell, ',');
    EXPECT_EQ(cell, std::to_string(e));
    std::getline(row, cell, ',');
    EXPECT_EQ(std::stod(cell), h["loss"][e]);  // %.17g round-trips
    std::getline(row, cell, ',');
    std::getline(row, cell, ',');
    EXPECT_EQ(std::stod(cell), h["val_loss"][e]);
  }
  // append keeps earlier rows; a resumed run replaces the epochs it repeats.
  auto csv2 = std::make_shared<callbacks::CSVLogger<float>>(dir + "/history.csv", ',', true);
  model->fit(data.x, data.y,
             {.epochs = 6, .validation_split = 0.25, .callbacks = {csv2}, .verbose = 0, .initial_epoch = 3});
  std::ifstream in2(dir + "/history.csv");
  std::stringstream ss2;
  ss2 << in2.rdbuf();
  const auto lines2 = lines_of(ss2.str());
  ASSERT_EQ(lines2.size(), 7u);
  EXPECT_EQ(lines2[3], lines[3]);  // epoch 2 kept
  EXPECT_NE(lines2[4], lines[4]);  // epoch 3 rewritten
  EXPECT_EQ(lines2[6].rfind("5,", 0), 0u);
  std::filesystem::remove_all(dir);
}

TEST(Callbacks, TerminateOnNaNStopsKeepsWeightsAndTheLastGoodCheckpoint) {
  const std::string dir = temp_dir("nan");
  auto data = make_regression(64, 11);
  auto model = make_mlp("nan", 73);
  model->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  // The targets of sample 40 are NaN: batch 2 (samples 32..47) of every epoch has a NaN loss.
  // Epoch 1 first runs clean (no shuffling): it is trained on a copy without the NaN.
  auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(dir + "/ckpt.npz");
  model->fit(data.x, data.y, {.epochs = 1, .batch_size = 16, .shuffle = false, .callbacks = {ckpt}, .verbose = 0});
  ASSERT_EQ(ckpt->saves(), 1u);
  std::vector<Tensor<float>> before;
  for (const auto& w : model->weights()) before.push_back(w.value().clone());
  F bad_y = data.y.clone();
  bad_y.data()[40] = std::nanf("");
  std::ostringstream out;
  const auto h = model->fit(data.x, bad_y,
                            {.epochs = 5, .batch_size = 16, .shuffle = false, .callbacks = {ckpt}, .verbose = 1,
                             .initial_epoch = 1, .out = &out});
  std::printf("%s", out.str().c_str());
  EXPECT_NE(out.str().find("TerminateOnNaN: epoch 2, batch 3: the loss is nan"), std::string::npos);
  EXPECT_NE(model->stop_reason().find("TerminateOnNaN"), std::string::npos);
  EXPECT_EQ(h.size(), 1u);  // only the clean epoch; the broken one is not recorded
  EXPECT_EQ(ckpt->saves(), 1u);  // nothing written after the NaN
  // The two good batches of epoch 2 updated the weights; the NaN batch did not: all finite.
  for (const auto& w : model->weights())
    for (float v : w.value().to_vector()) ASSERT_TRUE(std::isfinite(v)) << w.name();
  // The checkpoint on disk is the clean one from epoch 1.
  auto fresh = make_mlp("nan", 1);
  fresh->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  EXPECT_EQ(fresh->load_checkpoint(dir + "/ckpt.npz").epoch, 1u);
  const auto ws = fresh->weights();
  for (std::size_t i = 0; i < ws.size(); ++i) EXPECT_TRUE(loom::testing::bit_equal(ws[i].value(), before[i]));
  std::filesystem::remove_all(dir);
}

TEST(Callbacks, ReduceLROnPlateauAndLearningRateScheduler) {
  auto data = make_regression(32, 12);
  auto model = make_mlp("plateau", 74);
  // A rate so small that the loss cannot improve by min_delta: every epoch after the first is a
  // plateau; with patience 1 and cooldown 2 the rate halves every other epoch (Keras decrements
  // the cooldown counter before testing it, so cooldown 1 would not skip any epoch).
  auto sgd = std::make_shared<optimizers::SGD<float>>(optimizers::SGDOptions{.learning_rate = 1e-9});
  model->compile(sgd, "mse");
  auto plateau = std::make_shared<callbacks::ReduceLROnPlateau<float>>(
      callbacks::ReduceLROnPlateauOptions{.monitor = "loss", .factor = 0.5, .patience = 1, .cooldown = 2});
  const auto h = model->fit(data.x, data.y, {.epochs = 6, .callbacks = {plateau}, .verbose = 0});
  const auto& lr = h["learning_rate"];
  ASSERT_EQ(lr.size(), 6u);
  // Logged before the epoch's decision: 1e-9 (best), 1e-9 (wait 1 -> halve), 5e-10 (cooldown),
  // 5e-10 (wait 1 -> halve), 2.5e-10 (cooldown), 2.5e-10 (halve).
  const std::vector<double> expected{1e-9, 1e-9, 5e-10, 5e-10, 2.5e-10, 2.5e-10};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(lr[i], expected[i]) << i;
  EXPECT_DOUBLE_EQ(sgd->learning_rate(), 1.25e-10);
  EXPECT_TRUE(throws_with<ValueError>([] { callbacks::ReduceLROnPlateau<float>({.factor = 1.0}); }, {"factor"}));

  auto sched = std::make_shared<callbacks::LearningRateScheduler<float>>(
      [](std::size_t epoch, double) { return 0.1 / static_cast<double>(epoch + 1); });
  const auto h2 = model->fit(data.x, data.y, {.epochs = 3, .callbacks = {sched}, .verbose = 0});
  EXPECT_DOUBLE_EQ(h2["learning_rate"][0], 0.1);
  EXPECT_DOUBLE_EQ(h2["learning_rate"][2], 0.1 / 3.0);
  EXPECT_DOUBLE_EQ(sgd->learning_rate(), 0.1 / 3.0);
}

TEST(Callbacks, ModelCheckpointBestOnlyAndPathFields) {
  const std::string dir = temp_dir("mc");
  Drift d;
  auto model = drift_model("mc");
  auto best = std::make_shared<callbacks::ModelCheckpoint<float>>(
      dir + "/best.npz", callbacks::ModelCheckpointOptions{.save_best_only = true, .save_weights_only = true});
  auto every = std::make_shared<callbacks::ModelCheckpoint<float>>(dir + "/w-{epoch:02d}-{val_loss:.3f}.npz",
                                                                   callbacks::ModelCheckpointOptions{.save_weights_only = true});
  const auto h = model->fit(d.x, d.y_train, {.epochs = 12, .batch_size = 16, .validation_data = Dataset<float>(d.x, d.y_val),
                                             .callbacks = {best, every}, .verbose = 0});
  EXPECT_EQ(every->saves(), 12u);
  char name[64];
  std::snprintf(name, sizeof name, "/w-12-%.3f.npz", h["val_loss"][11]);
  EXPECT_EQ(every->last_path(), dir + name);
  EXPECT_TRUE(std::filesystem::exists(dir + name));
  // best.npz holds the weights of the lowest val_loss, written once per improvement.
  const auto& val = h["val_loss"];
  std::size_t improvements = 0;
  double running = INFINITY;
  for (double v : val)
    if (v < running) {
      running = v;
      ++improvements;
    }
  EXPECT_EQ(best->saves(), improvements);
  EXPECT_LT(improvements, 12u);
  model->load_weights(dir + "/best.npz");
  EXPECT_DOUBLE_EQ(model->evaluate(d.x, d.y_val, {.verbose = 0}).at("loss"), running);
  EXPECT_TRUE(throws_with<ValueError>([&] { callbacks::ModelCheckpoint<float>(dir + "/{epoch:x}.npz"); }, {"epoch", "x"}));
  std::filesystem::remove_all(dir);
}

namespace {
struct Recorder : callbacks::Callback<float> {
  std::vector<std::string> events;
  void on_train_begin(const Logs&) override { events.push_back("train_begin"); }
  void on_train_end(const Logs&) override { events.push_back("train_end"); }
  void on_epoch_begin(std::size_t e, const Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
  void on_epoch_end(std::size_t e, Logs& logs) override {
    events.push_back("epoch_end " + std::to_string(e) + (logs.count("val_loss") ? " val" : ""));
  }
  void on_train_batch_begin(std::size_t b, const Logs&) override { events.push_back("batch_begin " + std::to_string(b)); }
  void on_train_batch_end(std::size_t b, const Logs& logs) override {
    events.push_back("batch_end " + std::to_string(b) + (logs.count("loss") ? " loss" : ""));
  }
  void on_test_begin(const Logs&) override { events.push_back("test_begin"); }
  void on_test_end(const Logs&) override { events.push_back("test_end"); }
};
}  // namespace

TEST(Callbacks, HooksRunInKerasOrderAndStopTrainingEndsFit) {
  auto data = make_regression(20, 13);
  auto model = make_mlp("hooks", 75);
  model->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  auto rec = std::make_shared<Recorder>();
  model->fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .validation_split = 0.5, .callbacks = {rec}, .verbose = 0});
  // Keras's fit runs the validation pass through the same callbacks, before on_epoch_end.
  const std::vector<std::string> expected{"train_begin", "epoch_begin 0", "batch_begin 0", "batch_end 0 loss",
                                          "test_begin", "test_end", "epoch_end 0 val", "epoch_begin 1",
                                          "batch_begin 0", "batch_end 0 loss", "test_begin", "test_end",
                                          "epoch_end 1 val", "train_end"};
  EXPECT_EQ(rec->events, expected);
  rec->events.clear();
  model->evaluate(data.x, data.y, {.verbose = 0, .callbacks = {rec}});
  EXPECT_EQ(rec->events, (std::vector<std::string>{"test_begin", "test_end"}));

  struct Stopper : callbacks::Callback<float> {
    void on_epoch_end(std::size_t e, Logs&) override {
      if (e == 1) model()->stop_training = true;
    }
  };
  const auto h = model->fit(data.x, data.y, {.epochs = 10, .callbacks = {std::make_shared<Stopper>()}, .verbose = 0});
  EXPECT_EQ(h.size(), 2u);
}
