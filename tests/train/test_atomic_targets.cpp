// Atomic writes respect their target (issue 25, item 9): saving over a symbolic link replaced the
// link with a file, an existing file's mode was reset, saving to a device (as root, /dev/full)
// replaced the device node with a regular file, and temporary files left by a kill stayed forever.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.hpp"
#include "train/io/atomic_file.hpp"

using namespace loom;
using loom::testing::throws_with;
namespace fs = std::filesystem;

namespace {
std::string temp_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() / ("loom_atomic_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}
}  // namespace

TEST(AtomicTargets, WritesThroughSymbolicLinksAndKeepsThem) {
  const std::string dir = temp_dir("link");
  io::write_file_atomic(dir + "/real.bin", "old");
  fs::create_symlink("real.bin", dir + "/rel.bin");         // relative, resolved in the link's folder
  fs::create_symlink(dir + "/rel.bin", dir + "/abs.bin");   // a link to a link
  io::write_file_atomic(dir + "/abs.bin", "new");
  EXPECT_TRUE(fs::is_symlink(dir + "/abs.bin"));
  EXPECT_TRUE(fs::is_symlink(dir + "/rel.bin"));
  EXPECT_EQ(io::read_file(dir + "/real.bin"), "new");
  // A dangling link is written through too: the file it names is created.
  fs::create_symlink("later.bin", dir + "/dangling.bin");
  io::write_file_atomic(dir + "/dangling.bin", "x");
  EXPECT_TRUE(fs::is_symlink(dir + "/dangling.bin"));
  EXPECT_EQ(io::read_file(dir + "/later.bin"), "x");
  fs::remove_all(dir);
}

TEST(AtomicTargets, AnExistingFileKeepsItsMode) {
  const std::string dir = temp_dir("mode");
  const std::string p = dir + "/w.npz";
  io::write_file_atomic(p, "a");
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  io::write_file_atomic(p, "b");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(io::read_file(p), "b");
  fs::remove_all(dir);
}

TEST(AtomicTargets, SpecialFilesAndFoldersAreRefusedAndLeftAlone) {
  const std::string dir = temp_dir("special");
  const std::string fifo = dir + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(throws_with<IOError>([&] { io::write_file_atomic(fifo, "x"); }, {"pipe", "regular file", "special file"}));
  EXPECT_TRUE(fs::is_fifo(fifo));
  fs::create_directory(dir + "/sub");
  EXPECT_TRUE(throws_with<IOError>([&] { io::write_file_atomic(dir + "/sub", "x"); }, {"sub", "a folder"}));
  if (fs::exists("/dev/full")) {
    EXPECT_TRUE(throws_with<IOError>([] { io::write_file_atomic("/dev/full", "x"); }, {"/dev/full", "a device"}));
    EXPECT_TRUE(fs::is_character_file("/dev/full"));
  }
  fs::remove_all(dir);
}

TEST(AtomicTargets, TemporariesOfDeadProcessesAreRemoved) {
  const std::string dir = temp_dir("stale");
  // A pid that has surely ended: a child that exited and was reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = dir + "/.w.npz.tmp-" + std::to_string(child) + "-abc123";
  const std::string alive = dir + "/.w.npz.tmp-1-abc123";  // pid 1 runs
  const std::string other = dir + "/.v.npz.tmp-" + std::to_string(child) + "-abc123";  // another file's
  for (const auto& p : {dead, alive, other}) io::write_file_atomic(p, "partial");
  io::write_file_atomic(dir + "/w.npz", "whole");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(io::read_file(dir + "/w.npz"), "whole");
  fs::remove_all(dir);
}
