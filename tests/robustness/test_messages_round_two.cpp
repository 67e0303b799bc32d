// Error messages that pointed elsewhere (issue 25, item 11): take's errors began with "slice:",
// transpose's said only "received 2 axes", and load_weights on a checkpoint gave no hint to use
// load_checkpoint.
#include <gtest/gtest.h>

#include "robust_util.hpp"

using namespace loom;
using namespace loom::testing;

TEST(MessagesRoundTwo, TakeNamesItselfAndTheIndex) {
  const auto x = Tensor<float>::zeros({2, 3});
  EXPECT_TRUE(throws_exactly<IndexError>([&] { take(x, 1, 3); }, {"take:", "'index'", "[0, 3)", "received 3"}));
  try {
    take(x, 0, 2);
  } catch (const IndexError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("take:", 0), 0u) << e.what();
  }
  EXPECT_EQ(take(x, 1, 2).shape(), (Shape{2}));
}

TEST(MessagesRoundTwo, TransposeShowsThePermReceived) {
  const auto x = Tensor<float>::zeros({2, 3});
  EXPECT_TRUE(throws_exactly<ValueError>([&] { transpose(x, {0, 7}); },
                                         {"transpose", "'perm'", "permutation of 0..1", "(2, 3)", "{0, 7}"}));
}

TEST(MessagesRoundTwo, LoadWeightsOnACheckpointSaysToUseLoadCheckpoint) {
  const std::string dir = fresh_dir("msg_ckpt");
  auto m = small_mlp("msg_ckpt", 1);
  m->compile(std::make_shared<optimizers::SGD<float>>(), "mse");
  const auto [x, y] = linear_data(8, 2);
  m->fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0});
  m->save_checkpoint(dir + "/c.npz", {.epoch = 1});
  EXPECT_TRUE(throws_exactly<IOError>([&] { m->load_weights(dir + "/c.npz"); },
                                      {"c.npz", "training checkpoint", "load_checkpoint"}));
  std::filesystem::remove_all(dir);
}
