// fit's validation pass calls the callbacks' test hooks, as Keras's fit does (issue 25, item 11):
// before, on_test_begin, on_test_batch_begin/end and on_test_end were never called during fit.
#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace loom;

namespace {
struct Recorder : callbacks::Callback<float> {
  std::vector<std::string> events;
  void on_epoch_begin(std::size_t e, const Logs&) override { events.push_back("epoch" + std::to_string(e)); }
  void on_test_begin(const Logs&) override { events.push_back("test_begin"); }
  void on_test_batch_begin(std::size_t b, const Logs&) override { events.push_back("tb" + std::to_string(b)); }
  void on_test_batch_end(std::size_t b, const Logs& logs) override {
    events.push_back("te" + std::to_string(b) + (logs.count("loss") ? "+loss" : ""));
  }
  void on_test_end(const Logs& logs) override { events.push_back(logs.count("loss") ? "test_end+loss" : "test_end"); }
};
}  // namespace

TEST(FitValidationCallbacks, TestHooksRunDuringFitsValidation) {
  set_seed(3);
  auto m = std::make_shared<Sequential<float>>();
  m->add(Dense(1));
  m->compile(std::make_shared<optimizers::SGD<float>>(), "mse");
  const auto x = Tensor<float>::ones({10, 2}), y = Tensor<float>::zeros({10, 1});
  auto rec = std::make_shared<Recorder>();
  // validation_split 0.2 of 10 leaves 2 validation samples: batches of 1 give two test batches.
  m->fit(x, y, {.epochs = 2, .batch_size = 1, .validation_split = 0.2, .callbacks = {rec}, .verbose = 0});
  const std::vector<std::string> epoch = {"test_begin", "tb0", "te0+loss", "tb1", "te1+loss", "test_end+loss"};
  std::vector<std::string> expected = {"epoch0"};
  expected.insert(expected.end(), epoch.begin(), epoch.end());
  expected.push_back("epoch1");
  expected.insert(expected.end(), epoch.begin(), epoch.end());
  EXPECT_EQ(rec->events, expected);
}
