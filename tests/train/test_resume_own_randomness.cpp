// Exact resume for layers that draw their own random numbers and for stateful RNNs (issue 25,
// item 1): 4 epochs straight against 2 epochs, a checkpoint, a fresh model built after other
// draws, then a load and 2 more epochs. Before, only the default generator was saved: each cell's
// dropout generator and a stateful RNN's carried states were lost, and the weights differed by
// 0.02-0.04.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "test_util.hpp"

using namespace loom;
using loom::testing::bit_same;

namespace {

using Maker = std::function<std::shared_ptr<Sequential<float>>()>;

struct Case {
  const char* name;
  Maker make;
  bool stateful = false;
};

std::shared_ptr<Sequential<float>> compiled(std::shared_ptr<Sequential<float>> m) {
  m->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  m->build(Shape{8, 6, 3});
  return m;
}

std::vector<Case> cases() {
  return {
      {"gru_cell_dropout", [] {
         auto m = std::make_shared<Sequential<float>>();
         m->add(GRU(4, {.dropout = 0.3, .recurrent_dropout = 0.2}));
         m->add(Dense(1));
         return compiled(m);
       }},
      {"lstm_cell_dropout_seeded", [] {
         auto m = std::make_shared<Sequential<float>>();
         m->add(LSTM(4, {.dropout = 0.3, .recurrent_dropout = 0.2, .seed = 7}));
         m->add(Dense(1));
         return compiled(m);
       }},
      {"simple_rnn_dropout_and_seeded_dropout_layer", [] {
         auto m = std::make_shared<Sequential<float>>();
         m->add(SimpleRNN(4, {.dropout = 0.25}, {.return_sequences = true}));
         m->add(Dropout(0.4, {.seed = 11}));
         m->add(GRU(3));
         m->add(Dense(1));
         return compiled(m);
       }},
      {"stateful_gru", [] {
         auto m = std::make_shared<Sequential<float>>();
         m->add(GRU(4, {}, {.stateful = true}));
         m->add(Dense(1));
         return compiled(m);
       }, true},
  };
}

}  // namespace

TEST(ResumeOwnRandomness, TwoPlusTwoEpochsEqualsFourForEveryLayerThatDraws) {
  Generator g(5);
  const auto x = random::uniform<float>(Shape{32, 6, 3}, -1.0, 1.0, g);
  const auto y = random::uniform<float>(Shape{32, 1}, -1.0, 1.0, g);
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("loom_resume_own_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    // shuffle would reorder a stateful model's batches; the others reshuffle every epoch.
    const FitOptions<float> o{.epochs = 4, .batch_size = 8, .shuffle = !c.stateful, .seed = 3, .verbose = 0};
    set_seed(100);
    auto straight = c.make();
    straight->fit(x, y, o);

    set_seed(100);
    auto first = c.make();
    auto two = o;
    two.epochs = 2;
    first->fit(x, y, two);
    const std::string path = dir + "/" + c.name + ".npz";
    first->save_checkpoint(path, {.epoch = 2});
    first.reset();

    set_seed(999);  // other draws in between: the resumed run must not depend on them
    for (int i = 0; i < 3; ++i) Dense<float>(5)(Tensor<float>::ones({1, 2}));
    auto resumed = c.make();
    const auto info = resumed->load_checkpoint(path);
    auto rest = o;
    rest.initial_epoch = info.epoch;
    resumed->fit(x, y, rest);
    EXPECT_TRUE(bit_same(straight->get_weights(), resumed->get_weights()));
    EXPECT_FALSE(bit_same(straight->get_weights(), c.make()->get_weights()));  // the comparison can fail
  }
  std::filesystem::remove_all(dir);
}

TEST(ResumeOwnRandomness, BadLayerStateIsRefusedAndChangesNothing) {
  auto m = cases()[0].make();
  Generator g(6);
  const auto x = random::uniform<float>(Shape{8, 6, 3}, -1.0, 1.0, g);
  const auto y = random::uniform<float>(Shape{8, 1}, -1.0, 1.0, g);
  m->fit(x, y, {.epochs = 1, .batch_size = 8, .verbose = 0});
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("loom_resume_bad_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  m->save_checkpoint(dir + "/c.npz", {.epoch = 1});
  auto arrays = io::load_npz<float>(dir + "/c.npz");
  std::string key;
  for (const auto& [k, v] : arrays)
    if (k.rfind("state/", 0) == 0) key = k;
  ASSERT_FALSE(key.empty()) << "the cell's dropout generator is in the checkpoint";
  arrays[key] = Tensor<float>::zeros({arrays[key].size()});  // not a generator state
  io::save_npz(dir + "/bad.npz", arrays);
  const auto before = m->get_weights();
  m->fit(x, y, {.epochs = 1, .batch_size = 8, .verbose = 0});  // move on, then try to go back
  const auto moved = m->get_weights();
  EXPECT_TRUE(loom::testing::throws_with<IOError>([&] { m->load_checkpoint(dir + "/bad.npz"); },
                                                  {"bad.npz", "layer state", "dropout_generator"}));
  EXPECT_TRUE(bit_same(m->get_weights(), moved));
  EXPECT_FALSE(bit_same(before, moved));
  std::filesystem::remove_all(dir);
}
