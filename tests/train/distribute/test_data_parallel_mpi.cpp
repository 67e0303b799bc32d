// Data-parallel fit on real MPI: the driver (data_parallel_driver.cpp) runs as 2 ranks under
// mpirun (loopback only, as root in CI) and is compared with fit in this process. Every launch has
// a deadline (run_util.hpp), so a hung job fails its test within minutes instead of hanging CI.
// Built only with LOOM_WITH_MPI.
#include <gtest/gtest.h>

#if LOOM_TEST_MPI

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "../fit_util.hpp"
#include "dp_task.hpp"
#include "run_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::temp_dir;
namespace dp = loom::testing::dp;

namespace {

// Two ranks on this machine: shared memory between them (btl self,vader), the runtime's own
// connections on the loopback interface, no binding to cores (the ranks keep the test's CPU
// affinity), oversubscription allowed on a 1- or 2-core machine, and a waiting rank yields its
// core (Open MPI's default busy wait made 2 ranks on one core 4.6x slower, docs/distributed.md).
std::vector<std::string> mpirun_2(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{LOOM_MPIEXEC, "-n", "2", "--oversubscribe", "--bind-to", "none",
                                "--mca", "btl", "self,vader", "--mca", "oob_tcp_if_include", "lo",
                                "--mca", "mpi_yield_when_idle", "1",
                                LOOM_DP_DRIVER, "--comm", "mpi", "--out", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Applied to the ranks only (matters in the ASan pass): openmpi_lsan.supp says why. Open MPI
// keeps its plugins loaded and LSan unwinds malloc stacks fully (Open MPI and libc have no frame
// pointers), so that the stacks reach the library names the suppressions match.
const std::vector<std::pair<std::string, std::string>> kRankEnv{
    {"LSAN_OPTIONS", "suppressions=" LOOM_SOURCE_DIR "/tests/train/distribute/openmpi_lsan.supp:fast_unwind_on_malloc=0"},
    {"OMPI_MCA_mca_base_component_disable_dlclose", "1"}};

std::vector<double> read_history(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> v;
  std::string line;
  while (std::getline(in, line)) v.push_back(std::strtod(line.c_str(), nullptr));
  return v;
}

pid_t read_pid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

double max_abs_difference(const std::map<std::string, Tensor<float>>& got, const Model<float>& ref) {
  double worst = 0.0;
  for (const auto& [path, w] : weight_paths(ref)) {  // files are keyed by weight paths
    const auto& g = got.at(path);
    EXPECT_EQ(g.shape(), w.value().shape()) << path;
    for (std::size_t i = 0; i < g.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(g.data()[i]) - w.value().data()[i]));
  }
  return worst;
}

// 2 ranks with global batch `batch` (each takes its slice) against one process with the same
// batch and data order; each rank starts from other weights, so rank 0's must be broadcast.
void expect_two_ranks_match_one_process(std::size_t n, std::size_t batch, std::size_t epochs,
                                        std::size_t expected_steps) {
  const std::string dir = temp_dir("dp_mpi");
  const auto r = dp::run(mpirun_2(dir, {"--n", std::to_string(n), "--batch", std::to_string(batch), "--epochs",
                                        std::to_string(epochs), "--per-rank-init"}),
                         180, dir + "/log.txt", kRankEnv);
  ASSERT_FALSE(r.timed_out) << r.output;
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const auto task = dp::make_task(n, 11);
  auto ref = dp::make_model(7);
  std::vector<Tensor<float>> initial;
  for (const auto& w : ref->weights()) initial.push_back(w.value().clone());
  const History h = ref->fit(task.x, task.y, {.epochs = epochs, .batch_size = batch, .seed = 5, .verbose = 0});
  ASSERT_EQ(ref->optimizer()->iterations(), static_cast<std::int64_t>(expected_steps));

  const auto w0 = io::load_npz<float>(dir + "/weights_rank0.npz");
  const auto w1 = io::load_npz<float>(dir + "/weights_rank1.npz");
  for (const auto& [name, t] : w0) EXPECT_TRUE(bit_equal(t, w1.at(name))) << name << ": the ranks diverged";
  const double diff = max_abs_difference(w0, *ref);
  std::printf("data-parallel: n %zu, batch %zu = 2 ranks x ~%zu, %zu steps: max |w(2 ranks) - w(1 process)| = %.3g\n",
              n, batch, batch / 2, expected_steps, diff);
  EXPECT_LE(diff, 1e-6);
  // The comparison means something only if training moved the weights far beyond the tolerance.
  double moved = 0.0;
  const auto now = ref->weights();
  for (std::size_t i = 0; i < now.size(); ++i)
    for (std::size_t k = 0; k < now[i].value().size(); ++k)
      moved = std::max(moved, std::abs(static_cast<double>(now[i].value().data()[k]) - initial[i].data()[k]));
  EXPECT_GT(moved, 1e-2);

  const auto l0 = read_history(dir + "/history_rank0.txt"), l1 = read_history(dir + "/history_rank1.txt");
  ASSERT_EQ(l0.size(), h["loss"].size());
  EXPECT_EQ(l0, l1);  // the logs are the job's, the same on every rank
  for (std::size_t e = 0; e < l0.size(); ++e) EXPECT_NEAR(l0[e], h["loss"][e], 1e-5 * std::abs(h["loss"][e]));
  EXPECT_TRUE(std::filesystem::exists(dir + "/history.csv"));
  std::filesystem::remove_all(dir);
}

}  // namespace

// Acceptance 1: 2 ranks x 16 against 1 process x 32, 20 steps.
TEST(DataParallelMpi, TwoRanksOfSixteenMatchOneProcessOfThirtyTwo) {
  expect_two_ranks_match_one_process(320, 32, 2, 20);
}

// Uneven slices: batches of 31 (15 + 16) and a last batch of 7 (3 + 4), weighted by sample count.
TEST(DataParallelMpi, UnevenSlicesAndAPartialLastBatchMatchOneProcess) {
  expect_two_ranks_match_one_process(100, 31, 3, 12);
}

// Acceptance 2: a rank killed in the middle of training ends the job quickly, with an error, and
// leaves no rank running.
TEST(DataParallelMpi, KillingOneRankEndsTheOthersWithAnError) {
  const std::string dir = temp_dir("dp_kill");
  const auto r = dp::run(mpirun_2(dir, {"--epochs", "1000000", "--kill-rank", "1", "--kill-step", "5"}), 60,
                         dir + "/log.txt", kRankEnv);
  std::printf("kill test: mpirun ended after %.2f s (exit code %d, signal %d)\n", r.seconds, r.exit_code, r.signal);
  EXPECT_FALSE(r.timed_out) << "the job hung after a rank was killed:\n" << r.output;
  EXPECT_TRUE(!r.exited || r.exit_code != 0) << r.output;
  EXPECT_LT(r.seconds, 30.0);
  for (const char* rank : {"0", "1"}) {
    const pid_t pid = read_pid(dir + "/pid_rank" + rank);
    ASSERT_GT(pid, 0) << "rank " << rank << " never started:\n" << r.output;
    EXPECT_FALSE(dp::process_running(pid)) << "rank " << rank << " (pid " << pid << ") outlived the job";
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/weights_rank0.npz"));  // rank 0 did not finish
  std::filesystem::remove_all(dir);
}

// A rank that fails alone (here an exception in a callback) ends every rank instead of leaving
// them waiting in the next all-reduce.
TEST(DataParallelMpi, AnExceptionOnOneRankEndsTheJob) {
  const std::string dir = temp_dir("dp_throw");
  const auto r = dp::run(mpirun_2(dir, {"--epochs", "1000000", "--throw-rank", "1", "--throw-step", "5"}), 60,
                         dir + "/log.txt", kRankEnv);
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_TRUE(!r.exited || r.exit_code != 0) << r.output;
  EXPECT_NE(r.output.find("rank 1 of 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the requested failure"), std::string::npos) << r.output;
  for (const char* rank : {"0", "1"}) EXPECT_FALSE(dp::process_running(read_pid(dir + "/pid_rank" + rank)));
  std::filesystem::remove_all(dir);
}

// Ranks that disagree (here on the batch size) all refuse, with the same typed error, before any step.
TEST(DataParallelMpi, RanksWithDifferentSettingsRefuseToTrain) {
  const std::string dir = temp_dir("dp_mismatch");
  const auto r = dp::run(mpirun_2(dir, {"--rank1-batch", "16"}), 60, dir + "/log.txt", kRankEnv);
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_TRUE(!r.exited || r.exit_code != 0) << r.output;
  for (const char* rank : {"rank 0: error", "rank 1: error"}) EXPECT_NE(r.output.find(rank), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("received different ones on rank(s) 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("global batch size 16' where rank 0 has 'global batch size 32'"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/weights_rank0.npz"));
  std::filesystem::remove_all(dir);
}

// Resume: 2 ranks stop mid-epoch after a checkpoint (written by rank 0 alone); 2 new ranks load
// it and finish. The weights equal those of an uninterrupted 2-rank run bit for bit.
TEST(DataParallelMpi, ResumeFromAMidEpochCheckpointEqualsAStraightRun) {
  const std::string straight = temp_dir("dp_straight"), parts = temp_dir("dp_parts");
  const std::string ckpt = parts + "/ckpt.npz";
  auto r = dp::run(mpirun_2(straight, {"--epochs", "4"}), 180, straight + "/log.txt", kRankEnv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 10 steps per epoch; checkpoints after global steps 7 and 14; stop after step 15.
  r = dp::run(mpirun_2(parts, {"--epochs", "4", "--checkpoint", ckpt, "--save-freq", "7", "--stop-step", "15"}), 180,
              parts + "/log1.txt", kRankEnv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(std::filesystem::exists(ckpt));
  r = dp::run(mpirun_2(parts, {"--epochs", "4", "--checkpoint", ckpt, "--save-freq", "7", "--resume"}), 180,
              parts + "/log2.txt", kRankEnv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto a = io::load_npz<float>(straight + "/weights_rank0.npz");
  const auto b = io::load_npz<float>(parts + "/weights_rank0.npz");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) EXPECT_TRUE(bit_equal(t, b.at(name))) << name;
  const auto ha = read_history(straight + "/history_rank0.txt"), hb = read_history(parts + "/history_rank0.txt");
  ASSERT_EQ(ha.size(), 4u);
  ASSERT_EQ(hb.size(), 4u);
  for (std::size_t e = 0; e < 4; ++e) EXPECT_NEAR(ha[e], hb[e], 1e-12 * std::abs(ha[e])) << "epoch " << e;
  std::filesystem::remove_all(straight);
  std::filesystem::remove_all(parts);
}

#endif  // LOOM_TEST_MPI
