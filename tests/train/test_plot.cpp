#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.hpp"
#include "train/plot.hpp"

using namespace loom;
namespace fs = std::filesystem;

TEST(Plot, WritesAPngAndNoTemporaryFiles) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir = fs::temp_directory_path() / "loom_plot_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto png = (dir / "loss.png").string();
  plot_series(png, {{"loss", {3, 2, 1.5, 1}}, {"val_loss", {3.5, 2.5, 2, 1.8}}});
  ASSERT_TRUE(fs::exists(png));
  std::ifstream f(png, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += (void(e), 1);
  EXPECT_EQ(files, 1);  // only loss.png: the temporary script, data and image are gone
  fs::remove_all(dir);
}

TEST(Plot, RejectsEmptySeries) {
  const std::string png = (fs::temp_directory_path() / "loom_plot_rejected.png").string();
  EXPECT_TRUE(loom::testing::throws_with<ValueError>([&] { plot_series(png, {}); }, {"series"}));
  EXPECT_TRUE(loom::testing::throws_with<ValueError>([&] { plot_series(png, {{"loss", {}}}); },
                                                     {"loss", "received 0"}));
}
