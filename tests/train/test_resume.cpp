// Exact resume: 4 epochs straight against 2 epochs, a checkpoint, everything destroyed (model,
// optimizer, random state), then a load and 2 more epochs. The model has Dropout drawing from the
// default generator and reshuffles every epoch, so the optimizer state, the RNG state and the
// epoch all have to be restored for the weights to match bit for bit.
#include <gtest/gtest.h>

#include <filesystem>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::make_mlp;
using loom::testing::make_regression;
using loom::testing::temp_dir;
using loom::testing::throws_with;

namespace {

constexpr std::uint64_t kInitSeed = 81, kRunSeed = 1234;

std::shared_ptr<Sequential<float>> fresh_model(std::uint64_t init_seed) {
  auto m = make_mlp("resume", init_seed, 0.25);
  m->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse",
             {"mae"});
  return m;
}

FitOptions<float> options(std::size_t epochs) {
  return {.epochs = epochs, .batch_size = 16, .shuffle = true, .seed = 5, .validation_split = 0.2, .verbose = 0};
}

std::vector<Tensor<float>> snapshot(const Model<float>& m) {
  std::vector<Tensor<float>> out;
  for (const auto& w : m.weights()) out.push_back(w.value().clone());
  return out;
}

void expect_bit_equal(const std::vector<Tensor<float>>& a, const std::vector<Tensor<float>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bit_equal(a[i], b[i])) << "weight " << i;
}

}  // namespace

TEST(Resume, TwoPlusTwoEpochsEqualsFourBitForBit) {
  const std::string dir = temp_dir("resume");
  auto data = make_regression(100, 21);

  History straight_history;
  std::vector<Tensor<float>> straight;
  {
    auto m = fresh_model(kInitSeed);
    set_seed(kRunSeed);
    straight_history = m->fit(data.x, data.y, options(4));
    straight = snapshot(*m);
  }
  {
    auto m = fresh_model(kInitSeed);
    set_seed(kRunSeed);
    auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(dir + "/ckpt.npz");
    auto o = options(2);
    o.callbacks = {ckpt};
    m->fit(data.x, data.y, o);
    ASSERT_EQ(ckpt->saves(), 2u);
    // After 2 epochs the weights still differ from the 4-epoch ones, so the final comparison
    // is not trivially true.
    const auto after_two = snapshot(*m);
    bool any_diff = false;
    for (std::size_t i = 0; i < after_two.size(); ++i) any_diff = any_diff || !bit_equal(after_two[i], straight[i]);
    EXPECT_TRUE(any_diff);
  }  // model, optimizer and callbacks destroyed
  set_seed(999);  // the random state is clobbered too

  auto m = fresh_model(4242);  // other initial weights, a new optimizer
  const CheckpointInfo info = m->load_checkpoint(dir + "/ckpt.npz");
  EXPECT_EQ(info.epoch, 2u);
  EXPECT_EQ(info.step, 0u);
  EXPECT_EQ(m->history().size(), 2u);
  EXPECT_EQ(m->optimizer()->iterations(), 2 * 5);  // 80 training samples / 16
  auto o = options(4);
  o.initial_epoch = info.epoch;
  const History resumed_history = m->fit(data.x, data.y, o);
  expect_bit_equal(snapshot(*m), straight);
  EXPECT_EQ(resumed_history, straight_history);  // all 4 epochs, every value equal
  std::printf("resume: 4 epochs straight vs 2 + checkpoint + 2: %zu weights bit-identical, final loss %.6f\n",
              straight.size(), resumed_history["loss"].back());
  std::filesystem::remove_all(dir);
}

TEST(Resume, FromAMidEpochCheckpointIsExactToo) {
  const std::string dir = temp_dir("resume_mid");
  auto data = make_regression(100, 22);
  std::vector<Tensor<float>> straight;
  History straight_history;
  {
    auto m = fresh_model(kInitSeed);
    set_seed(kRunSeed);
    straight_history = m->fit(data.x, data.y, options(3));
    straight = snapshot(*m);
  }
  {
    auto m = fresh_model(kInitSeed);
    set_seed(kRunSeed);
    // 5 batches per epoch, a checkpoint every 3 batches: the last one of the first 2 epochs is
    // after batch 9, i.e. epoch 1, step 4.
    auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(
        dir + "/ckpt.npz", callbacks::ModelCheckpointOptions{.save_freq = 3});
    auto o = options(2);
    o.callbacks = {ckpt};
    m->fit(data.x, data.y, o);
    ASSERT_EQ(ckpt->saves(), 3u);
  }
  set_seed(7);
  auto m = fresh_model(77);
  const CheckpointInfo info = m->load_checkpoint(dir + "/ckpt.npz");
  EXPECT_EQ(info.epoch, 1u);
  EXPECT_EQ(info.step, 4u);
  auto o = options(3);
  o.initial_epoch = info.epoch;
  o.initial_step = info.step;
  const History h = m->fit(data.x, data.y, o);
  expect_bit_equal(snapshot(*m), straight);
  // The loss of the interrupted epoch covers all its batches (the tracker was checkpointed).
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h["loss"], straight_history["loss"]);
  EXPECT_EQ(h["val_loss"], straight_history["val_loss"]);
  std::filesystem::remove_all(dir);
}

TEST(Resume, CheckpointNeedsACompiledBuiltModelOfTheSameArchitecture) {
  const std::string dir = temp_dir("resume_bad");
  auto data = make_regression(40, 23);
  auto m = fresh_model(kInitSeed);
  m->fit(data.x, data.y, options(1));
  m->save_checkpoint(dir + "/c.npz", {1, 0});
  // A weights file is not a checkpoint.
  m->save_weights(dir + "/w.npz");
  EXPECT_TRUE(throws_with<IOError>([&] { m->load_checkpoint(dir + "/w.npz"); }, {"checkpoint/meta", "load_weights"}));
  // Uncompiled: the optimizer state has nowhere to go.
  auto bare = make_mlp("resume", 3, 0.25);
  EXPECT_TRUE(throws_with<ValueError>([&] { bare->load_checkpoint(dir + "/c.npz"); }, {"optimizer", "compile"}));
  // Another optimizer class has other slots: nothing is loaded.
  auto sgd = make_mlp("resume", 3, 0.25);
  sgd->compile(std::make_shared<optimizers::SGD<float>>(optimizers::SGDOptions{.momentum = 0.9}), "mse");
  const auto before = snapshot(*sgd);
  EXPECT_TRUE(throws_with<IOError>([&] { sgd->load_checkpoint(dir + "/c.npz"); }, {"optimizer state"}));
  expect_bit_equal(snapshot(*sgd), before);
  // Another architecture.
  Sequential<float> other("other");
  other.add(std::make_shared<Embedding<float>>(5, 3, EmbeddingOptions{.name = "other_e"}));
  other.build(Shape{1, 4});
  other.compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  EXPECT_TRUE(throws_with<IOError>([&] { other.load_checkpoint(dir + "/c.npz"); },
                                   {"sequential/embedding/embeddings"}));
  std::filesystem::remove_all(dir);
}
