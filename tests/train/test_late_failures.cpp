// Failures found up front, not late (issue 25, item 8): a ModelCheckpoint path that cannot be
// written failed only after the first epoch (under mpirun that ended the whole job); a formatted
// field was cut at 127 characters; initial_step beyond the epoch skipped it and logged nan;
// train_on_batch on 0 samples took an optimizer step; a stateful RNN with a ragged last batch
// failed mid-epoch after the updates before it; two layers whose cells share a name failed at save.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<Sequential<float>> regressor(std::uint64_t seed, bool stateful = false) {
  set_seed(seed);
  auto m = std::make_shared<Sequential<float>>();
  m->add(GRU(3, {}, {.stateful = stateful}));
  m->add(Dense(1));
  m->compile(std::make_shared<optimizers::AdamW<float>>(), "mse");
  m->build(Shape{4, 5, 2});
  return m;
}

Tensor<float> xs(std::size_t n) { return random::uniform<float>(Shape{n, 5, 2}, -1.0, 1.0, default_generator()); }
Tensor<float> ys(std::size_t n) { return random::uniform<float>(Shape{n, 1}, -1.0, 1.0, default_generator()); }

std::string temp_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() / ("loom_late_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

bool same(const std::vector<xt::xarray<float>>& a, const std::vector<xt::xarray<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i])) return false;
  return true;
}

}  // namespace

TEST(LateFailures, CheckpointFolderIsMadeAtFitStart) {
  const std::string dir = temp_dir("mkdir");
  auto m = regressor(1);
  const std::string path = dir + "/a/b/ckpt_{epoch:02d}.npz";
  m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4,
                        .callbacks = {std::make_shared<callbacks::ModelCheckpoint<float>>(path)}, .verbose = 0});
  EXPECT_TRUE(fs::exists(dir + "/a/b/ckpt_01.npz"));
  fs::remove_all(dir);
}

TEST(LateFailures, UnwritableCheckpointPathFailsBeforeAnyStep) {
  const std::string dir = temp_dir("unwritable");
  auto m = regressor(2);
  const auto before = m->get_weights();
  auto fit_with = [&](const std::string& path) {
    m->fit(xs(8), ys(8), {.epochs = 2, .batch_size = 4,
                          .callbacks = {std::make_shared<callbacks::ModelCheckpoint<float>>(path)}, .verbose = 0});
  };
  // /proc refuses new folders even for root; a name past 255 bytes no file system takes.
  EXPECT_TRUE(throws_with<IOError>([&] { fit_with("/proc/loom_no_such/ckpt.npz"); },
                                   {"ModelCheckpoint", "/proc/loom_no_such", "can be made"}));
  EXPECT_TRUE(throws_with<IOError>([&] { fit_with(dir + "/" + std::string(300, 'n') + ".npz"); },
                                   {"ModelCheckpoint", "at most 255 bytes", "304"}));
  EXPECT_TRUE(same(m->get_weights(), before));
  EXPECT_EQ(m->optimizer()->iterations(), 0);
  fs::remove_all(dir);
}

TEST(LateFailures, WideFormattedFieldsAreWrittenWhole) {
  const std::string dir = temp_dir("wide");
  auto m = regressor(3);
  // A 150-digit epoch: cut at 127 characters before.
  m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4,
                        .callbacks = {std::make_shared<callbacks::ModelCheckpoint<float>>(
                            dir + "/e{epoch:0150d}/ckpt.npz")},
                        .verbose = 0});
  EXPECT_TRUE(fs::exists(dir + "/e" + std::string(149, '0') + "1/ckpt.npz"));
  fs::remove_all(dir);
}

TEST(LateFailures, InitialStepBeyondTheEpochIsRefused) {
  auto m = regressor(4);
  const auto before = m->get_weights();
  // 8 samples in batches of 4: 2 steps an epoch; step 2 is the epoch's end, 3 is beyond it.
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { m->fit(xs(8), ys(8), {.epochs = 2, .batch_size = 4, .verbose = 0, .initial_epoch = 0, .initial_step = 3}); },
      {"initial_step", "at most", "2 steps", "received 3"}));
  EXPECT_TRUE(same(m->get_weights(), before));
}

TEST(LateFailures, TrainOnBatchOfNoSamplesTakesNoStep) {
  auto m = regressor(5);
  const auto before = m->get_weights();
  EXPECT_TRUE(throws_with<ValueError>([&] { m->train_on_batch(Tensor<float>::zeros({0, 5, 2}), Tensor<float>::zeros({0, 1})); },
                                      {"train_on_batch", "at least one sample", "(0, 5, 2)"}));
  EXPECT_TRUE(same(m->get_weights(), before));  // AdamW's decay would have moved them
  EXPECT_EQ(m->optimizer()->iterations(), 0);
}

TEST(LateFailures, StatefulRnnWithARaggedBatchFailsBeforeAnyStep) {
  auto m = regressor(6, /*stateful=*/true);
  const auto before = m->get_weights();
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { m->fit(xs(10), ys(10), {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0}); },
      {"stateful", "batches of 4", "received a batch of 2"}));
  EXPECT_TRUE(same(m->get_weights(), before));
  EXPECT_EQ(m->optimizer()->iterations(), 0);
  // Validation data in another batch size is refused the same way.
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4, .shuffle = false,
                              .validation_data = Dataset<float>(xs(6), ys(6)), .verbose = 0});
      },
      {"validation_data", "batches of 4", "received a batch of"}));
  // A multiple of the batch size trains.
  EXPECT_NO_THROW(m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0}));
}

TEST(LateFailures, CellsThatShareANameTrainAndSave) {
  const std::string dir = temp_dir("names");
  set_seed(7);
  auto m = std::make_shared<Sequential<float>>();
  m->add(GRU(3, {.name = "cell"}, {.return_sequences = true}));
  m->add(GRU(3, {.name = "cell"}));
  m->add(Dense(1));
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4, .verbose = 0});
  ASSERT_NO_THROW(m->save_weights(dir + "/w.npz"));
  const auto trained = m->get_weights();
  m->fit(xs(8), ys(8), {.epochs = 1, .batch_size = 4, .verbose = 0});
  m->load_weights(dir + "/w.npz");
  EXPECT_TRUE(same(m->get_weights(), trained));
  fs::remove_all(dir);
}
