// Crash safety: a forked child trains and writes a full checkpoint after every batch; the parent
// SIGKILLs it at 20 random moments. After each kill the checkpoint on disk must load and a resume
// from it must finish. Each child resumes from the checkpoint the previous one left, so the kills
// also exercise resume-after-crash in a chain.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::make_mlp;
using loom::testing::make_regression;
using loom::testing::temp_dir;

namespace {

std::shared_ptr<Sequential<float>> crash_model() {
  auto m = make_mlp("crash", 91, 0.1);
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse", {"mae"});
  return m;
}

// Runs in the child: never returns.
[[noreturn]] void train_until_killed(const std::string& path, const loom::testing::Regression& data) {
  try {
    auto m = crash_model();
    CheckpointInfo info;
    if (std::filesystem::exists(path)) info = m->load_checkpoint(path);
    auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(path, callbacks::ModelCheckpointOptions{.save_freq = 1});
    m->fit(data.x, data.y,
           {.epochs = 1000000, .batch_size = 32, .seed = 3, .callbacks = {ckpt}, .verbose = 0,
            .initial_epoch = info.epoch, .initial_step = info.step});
    ::_exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    ::_exit(2);
  }
}

}  // namespace

TEST(CrashSafety, SigkillWhileCheckpointingLeavesALoadableCheckpoint) {
  const std::string dir = temp_dir("crash");
  const std::string path = dir + "/ckpt.npz";
  const auto data = make_regression(160, 31);
  Generator rng(2024);
  const auto t0 = std::chrono::steady_clock::now();
  CheckpointInfo previous;
  std::size_t resumed = 0;
  for (int round = 0; round < 20; ++round) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) train_until_killed(path, data);
    ::usleep(static_cast<useconds_t>(15000 + rng.randint(60000)));  // 15-75 ms
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child ended by itself (exit status "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ") instead of being killed";
    if (!std::filesystem::exists(path)) {
      // Only a child killed before its first batch leaves no file at all.
      ASSERT_EQ(round, 0) << "the checkpoint vanished after round " << round;
      continue;
    }
    auto m = crash_model();
    CheckpointInfo info;
    ASSERT_NO_THROW(info = m->load_checkpoint(path)) << "round " << round;
    // Each child resumed from the last checkpoint, so the position never goes back.
    EXPECT_TRUE(info.epoch > previous.epoch || (info.epoch == previous.epoch && info.step >= previous.step))
        << "round " << round << ": " << info.epoch << "/" << info.step << " after " << previous.epoch << "/"
        << previous.step;
    previous = info;
    const History h = m->fit(data.x, data.y,
                             {.epochs = info.epoch + 1, .batch_size = 32, .seed = 3, .verbose = 0,
                              .initial_epoch = info.epoch, .initial_step = info.step});
    ASSERT_EQ(h.size(), info.epoch + 1) << "round " << round;
    ASSERT_TRUE(std::isfinite(h["loss"].back()));
    ++resumed;
  }
  std::size_t leftovers = 0;  // temporary files of writes the kills interrupted
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) ++leftovers;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("crash safety: 20 SIGKILLs, %zu loads + resumes, checkpoint at epoch %zu step %zu, %zu writes "
              "interrupted mid-file, %.2f s\n",
              resumed, previous.epoch, previous.step, leftovers, secs);
  EXPECT_GE(resumed, 19u);
  // The children made progress (5 batches per epoch; each batch also writes an fsync'ed file).
  EXPECT_GE(previous.epoch * 5 + previous.step, 5u);
  std::filesystem::remove_all(dir);
}
