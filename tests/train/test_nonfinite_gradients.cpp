// A non-finite gradient is never applied (issue 25, item 4): an inf in the input saturates the
// GRU's tanh, the loss stays finite and its gradient is nan. Before, the update was applied, the
// epoch's ModelCheckpoint held nan weights and TerminateOnNaN fired only an epoch later.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "test_util.hpp"

using namespace loom;

namespace {

std::shared_ptr<Sequential<float>> model(std::uint64_t seed) {
  set_seed(seed);
  auto m = std::make_shared<Sequential<float>>();
  m->add(GRU(3));
  m->add(Dense(1));
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  m->build(Shape{4, 5, 2});
  return m;
}

struct Data {
  Tensor<float> x, y;
};
// 8 samples; sample 5 (in the second batch of 4) holds an inf.
Data data(bool with_inf) {
  Generator g(3);
  Data d{random::uniform<float>(Shape{8, 5, 2}, -1.0, 1.0, g), random::uniform<float>(Shape{8, 1}, -1.0, 1.0, g)};
  if (with_inf) d.x.data()[5 * 10 + 3] = INFINITY;
  return d;
}

bool all_finite(const std::vector<xt::xarray<float>>& ws) {
  for (const auto& w : ws)
    for (float v : w)
      if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

TEST(NonFiniteGradients, TheStepIsSkippedAndFitStopsAtOnce) {
  const auto d = data(true);
  auto m = model(1);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("loom_nonfinite_" + std::to_string(::getpid()) + ".npz")).string();
  auto h = m->fit(d.x, d.y, {.epochs = 3, .batch_size = 4, .shuffle = false,
                             .callbacks = {std::make_shared<callbacks::ModelCheckpoint<float>>(path)}, .verbose = 0});
  EXPECT_TRUE(all_finite(m->get_weights()));
  EXPECT_TRUE(m->stop_training);
  EXPECT_LE(h.size(), 1u);                    // stopped in the first epoch, not after the next one
  EXPECT_EQ(m->optimizer()->iterations(), 1);  // the first batch's step only
  EXPECT_FALSE(std::filesystem::exists(path));  // no checkpoint of a nan epoch

  // The weights are those of the clean first batch alone, bit for bit.
  auto twin = model(1);
  twin->train_on_batch(slice(d.x, 0, 0, 4), slice(d.y, 0, 0, 4));
  const auto a = m->get_weights(), b = twin->get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i] == b[i]) << "weight " << i;
}

TEST(NonFiniteGradients, WithoutTheGuardTrainingGoesOnWithFiniteWeights) {
  const auto d = data(true);
  auto m = model(2);
  m->fit(d.x, d.y, {.epochs = 3, .batch_size = 4, .shuffle = false, .verbose = 0, .terminate_on_nan = false});
  EXPECT_TRUE(all_finite(m->get_weights()));
  EXPECT_EQ(m->optimizer()->iterations(), 3);  // the three clean batches; the bad one three times skipped
}
