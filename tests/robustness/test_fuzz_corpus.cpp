// Replays every file of the fuzz corpus (tests/fuzz/corpus/<target>/: the seeds, and each input a
// fuzzer once found to break a reader, kept as a regression case) through the same target bodies
// the libFuzzer programs run, so the normal suite checks them without clang or LOOM_FUZZ.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "fuzz/fuzz_targets.hpp"
#include "robust_util.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> corpus(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(LOOM_SOURCE_DIR) / "tests/fuzz/corpus" / target))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const std::string& target, std::string (*body)(std::string_view), std::size_t at_least) {
  const auto files = corpus(target);
  EXPECT_GE(files.size(), at_least) << "corpus of " << target << " is smaller than its seeds";
  for (const auto& f : files) {
    const std::string bytes = loom::testing::slurp(f.string());
    EXPECT_EQ(body(bytes), "") << f;
  }
  std::printf("%s: %zu corpus files replayed\n", target.c_str(), files.size());
}

}  // namespace

TEST(FuzzCorpus, NpzReader) { replay("npz", &loom::fuzz::npz_input, 3); }
TEST(FuzzCorpus, CsvReader) { replay("csv", &loom::fuzz::csv_input, 7); }
TEST(FuzzCorpus, CheckpointReader) { replay("checkpoint", &loom::fuzz::checkpoint_input, 3); }
