// Data-parallel fit in one process: with the single-process communicator it must be fit itself,
// bit for bit; with a stand-in communicator that claims to be rank 1 of 2 it must print and write
// nothing, refuse what would not equal the combined batch, and end the job when it fails alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "../fit_util.hpp"
#include "dp_task.hpp"
#include "run_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::temp_dir;
using loom::testing::throws_with;
namespace dp = loom::testing::dp;

namespace {

struct Aborted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Rank 1 of 2 whose collectives do nothing: enough to run every rank-dependent branch in one process.
struct SecondRankStandIn final : distribute::Communicator {
  int rank() const override { return 1; }
  int size() const override { return 2; }
  std::string name() const override { return "stand_in"; }
  void all_reduce_sum(float*, std::size_t) override {}
  void all_reduce_sum(double*, std::size_t) override {}
  void broadcast(float*, std::size_t, int) override {}
  void broadcast(double*, std::size_t, int) override {}
  void broadcast(std::string&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(const std::string& why, int) override { throw Aborted(why); }
};

History fit_task(Sequential<float>& m, const dp::Task& t, std::size_t batch, std::size_t epochs,
                 std::shared_ptr<distribute::Communicator> comm, std::vector<CallbackPtr<float>> cbs = {}) {
  const Tensor<float> xv = t.x, yv = t.y;
  return m.fit(t.x, t.y,
               {.epochs = epochs, .batch_size = batch, .seed = 5, .validation_data = Dataset<float>(xv, yv),
                .callbacks = std::move(cbs), .verbose = 0, .communicator = std::move(comm)});
}

}  // namespace

TEST(DataParallelFit, SingleProcessCommunicatorIsBitIdenticalToPlainFit) {
  const auto task = dp::make_task(200, 11);
  // 200 samples in batches of 32: six full batches and a partial one of 8 each epoch.
  auto plain = dp::make_model(7);
  const History hp = fit_task(*plain, task, 32, 3, nullptr);
  auto single = dp::make_model(7);
  const History hs = fit_task(*single, task, 32, 3, distribute::single_process());
  const auto wp = plain->weights(), ws = single->weights();
  ASSERT_EQ(wp.size(), ws.size());
  for (std::size_t i = 0; i < wp.size(); ++i) EXPECT_TRUE(bit_equal(wp[i].value(), ws[i].value())) << wp[i].name();
  EXPECT_EQ(hp, hs);  // loss, mae, val_loss, val_mae: the same numbers
  EXPECT_EQ(plain->optimizer()->iterations(), 21);
  EXPECT_EQ(single->optimizer()->iterations(), 21);
  EXPECT_FALSE(single->communicator());  // only set while fit runs
}

TEST(DataParallelFit, DriverAloneMatchesInProcessFit) {
  const std::string dir = temp_dir("dp_single");
  const auto r = dp::run({LOOM_DP_DRIVER, "--comm", "single", "--out", dir, "--n", "320", "--batch", "32",
                          "--epochs", "2"},
                         120, dir + "/log.txt");
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto task = dp::make_task(320, 11);
  auto ref = dp::make_model(7);
  ref->fit(task.x, task.y, {.epochs = 2, .batch_size = 32, .seed = 5, .verbose = 0});
  const auto got = io::load_npz<float>(dir + "/weights_rank0.npz");
  for (const auto& [path, w] : weight_paths(*ref)) {  // files are keyed by weight paths
    ASSERT_TRUE(got.count(path)) << path;
    EXPECT_TRUE(bit_equal(got.at(path), w.value())) << path;
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/history.csv"));
  std::filesystem::remove_all(dir);
}

TEST(DataParallelFit, ANonZeroRankPrintsAndWritesNothing) {
  const std::string dir = temp_dir("dp_rank1");
  const auto task = dp::make_task(64, 11);
  auto m = dp::make_model(7);
  std::ostringstream out;
  auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(dir + "/ckpt.npz");
  auto csv = std::make_shared<callbacks::CSVLogger<float>>(dir + "/history.csv");
  const History h = m->fit(task.x, task.y,
                           {.epochs = 2, .batch_size = 16, .validation_split = 0.25, .callbacks = {ckpt, csv},
                            .verbose = 1, .out = &out, .communicator = std::make_shared<SecondRankStandIn>()});
  EXPECT_EQ(h.size(), 2u);  // it trained, and History (in memory) has every epoch
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(ckpt->saves(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt.npz"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/history.csv"));
  // The same fit as rank 0 (the single-process communicator) prints and writes both files.
  std::ostringstream out0;
  m->fit(task.x, task.y,
         {.epochs = 1, .batch_size = 16, .callbacks = {ckpt, csv}, .verbose = 2, .out = &out0,
          .communicator = distribute::single_process()});
  EXPECT_NE(out0.str().find("loss"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/ckpt.npz"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/history.csv"));
  std::filesystem::remove_all(dir);
}

namespace {
struct NoStateMetric : metrics::Metric<float> {
  NoStateMetric() : metrics::Metric<float>("no_state") {}
  void update_state(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&) override {}
  double result() const override { return 0.0; }
  void reset_state() override {}
};
}  // namespace

TEST(DataParallelFit, RefusesWhatWouldNotEqualTheCombinedBatch) {
  const auto task = dp::make_task(64, 11);
  auto two = std::make_shared<SecondRankStandIn>();
  auto fit = [&](Model<float>& m, std::size_t batch = 16) {
    m.fit(task.x, task.y, {.epochs = 1, .batch_size = batch, .verbose = 0, .communicator = two});
  };
  auto adam = [] { return std::make_shared<optimizers::Adam<float>>(); };

  auto m = dp::make_model(7);
  EXPECT_TRUE(throws_with<ValueError>([&] { fit(*m, 1); }, {"batch_size", "number of ranks (2)", "received 1"}));

  m->compile(adam(), std::make_shared<losses::MeanSquaredError<float>>(
                         losses::MeanSquaredErrorOptions{.reduction = losses::Reduction::sum}));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { fit(*m); }, {"sum_over_batch_size", "2 ranks", "mean_squared_error"}));

  m->compile(adam(), "mse", {std::make_shared<NoStateMetric>()});
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { fit(*m); }, {"no_state", "state()", "does not"}));

  m->compile(adam(), std::make_shared<losses::SparseCategoricalCrossentropy<float>>(
                         losses::SparseCategoricalCrossentropyOptions{.ignore_class = 0}));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { fit(*m); }, {"ignore_class", "2 ranks", "received ignore_class 0"}));

  set_seed(3);
  Sequential<float> masked("dp_masked");
  masked.add(std::make_shared<Masking<float>>(0.0));
  masked.add(std::make_shared<GRU<float>>(4));
  masked.add(std::make_shared<Dense<float>>(1));
  masked.compile(adam(), "mse");
  auto seq_mask = std::make_shared<Sequential<float>>("dp_seq_masked");
  seq_mask->add(std::make_shared<Masking<float>>(0.0));
  seq_mask->add(std::make_shared<Dense<float>>(1));
  seq_mask->compile(adam(), "mse");
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { fit(*seq_mask); }, {"output mask", "2 ranks"}));
  // A mask consumed inside the model (the GRU) leaves the output unmasked: accepted.
  EXPECT_NO_THROW(fit(masked));
}

TEST(DataParallelFit, AFailureOnOneRankInsideTheLoopEndsTheJob) {
  struct Thrower : callbacks::Callback<float> {
    void on_train_batch_begin(std::size_t batch, const Logs&) override {
      if (batch == 2) throw IOError("disk full");
    }
  };
  const auto task = dp::make_task(64, 11);
  auto m = dp::make_model(7);
  try {
    m->fit(task.x, task.y,
           {.batch_size = 16, .callbacks = {std::make_shared<Thrower>()}, .verbose = 0,
            .communicator = std::make_shared<SecondRankStandIn>()});
    FAIL() << "expected the job to be aborted";
  } catch (const Aborted& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ending every rank"), std::string::npos) << msg;
    EXPECT_NE(msg.find("disk full"), std::string::npos) << msg;
  }
  EXPECT_FALSE(m->communicator());
}

TEST(MetricState, StatesOfShardsSumToTheWholeBatchsResult) {
  auto col = [](std::vector<float> v) { return Tensor<float>(Shape{v.size(), 1}, v); };
  const Tensor<float> y = col({1, 2, 3, 5}), p = col({1.5f, 1, 3, 9});
  const Tensor<float> y0 = col({1, 2}), p0 = col({1.5f, 1}), y1 = col({3, 5}), p1 = col({3, 9});
  metrics::RootMeanSquaredError<float> whole, a, b, merged;
  whole.update_state(y, p);
  a.update_state(y0, p0);
  b.update_state(y1, p1);
  auto sa = a.state(), sb = b.state();
  ASSERT_EQ(sa.size(), 2u);
  merged.set_state({sa[0] + sb[0], sa[1] + sb[1]});
  EXPECT_DOUBLE_EQ(merged.result(), whole.result());
  EXPECT_TRUE(throws_with<ValueError>([&] { merged.set_state({1.0}); }, {"state", "2 values", "received 1"}));
  NoStateMetric none;
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { (void)none.state(); }, {"no_state", "state()"}));
}
