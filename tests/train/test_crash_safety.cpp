// Crash safety: a forked child trains and writes a full checkpoint after every batch; the parent
// SIGKILLs it at 20 random moments. After each kill the checkpoint on disk must load and a resume
// from it must finish. Each child resumes from the checkpoint the previous one left, so the kills
// also exercise resume-after-crash in a chain.
#include <gtest/gtest.h>

#include <poll.h>
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

// Tells the parent (one byte down a pipe) that the child has written its first checkpoint, so the
// kill lands while training and checkpointing are under way however slow the build is.
struct Notify : callbacks::Callback<float> {
  int fd;
  bool sent = false;
  explicit Notify(int f) : fd(f) {}
  void on_train_batch_end(std::size_t, const Logs&) override {
    if (sent) return;
    sent = true;
    const char c = 1;
    if (::write(fd, &c, 1) != 1) ::_exit(3);
  }
};

// Runs in the child: never returns.
[[noreturn]] void train_until_killed(const std::string& path, const loom::testing::Regression& data, int fd) {
  try {
    auto m = crash_model();
    CheckpointInfo info;
    info = m->load_checkpoint(path);
    auto ckpt = std::make_shared<callbacks::ModelCheckpoint<float>>(path, callbacks::ModelCheckpointOptions{.save_freq = 1});
    m->fit(data.x, data.y,
           {.epochs = 1000000, .batch_size = 32, .seed = 3, .callbacks = {ckpt, std::make_shared<Notify>(fd)}, .verbose = 0,
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
  // The untrained model's checkpoint, so that a file exists from the start and every kill,
  // however early, must leave a loadable one.
  crash_model()->save_checkpoint(path, {0, 0});
  CheckpointInfo previous;
  std::size_t resumed = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) {
      ::close(fds[0]);
      train_until_killed(path, data, fds[1]);
    }
    ::close(fds[1]);
    pollfd p{fds[0], POLLIN, 0};
    const bool started = ::poll(&p, 1, 20000) == 1;
    ::close(fds[0]);
    if (!started) ::kill(pid, SIGKILL);
    ASSERT_TRUE(started) << "round " << round << ": the child wrote no checkpoint within 20 s";
    ::usleep(static_cast<useconds_t>(rng.randint(40000)));  // then 0-40 ms more
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child ended by itself (exit status "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ") instead of being killed";
    ASSERT_TRUE(std::filesystem::exists(path)) << "the checkpoint vanished after round " << round;
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
  EXPECT_EQ(resumed, 20u);
  // Every child ran at least one batch and checkpointed it before it was killed.
  EXPECT_GE(previous.epoch * 5 + previous.step, 20u);
  std::filesystem::remove_all(dir);
}
