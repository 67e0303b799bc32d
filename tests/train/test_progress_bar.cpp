// Progress output captured from a stream, with an injected clock so the times are exact.
#include <gtest/gtest.h>

#include <sstream>

#include "test_util.hpp"

using namespace loom;

namespace {
std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
}  // namespace

TEST(ProgressBar, NonTtyWritesOneLinePerEpochWithLossAndMetrics) {
  std::ostringstream out;
  double t = 0.0;
  ProgressBar bar(out, {.clock = [&] { return t; }});
  EXPECT_FALSE(bar.tty());  // an ostringstream is never a terminal
  for (std::size_t e = 0; e < 3; ++e) {
    bar.begin_epoch(e, 3, 90);
    for (std::size_t s = 1; s <= 90; ++s) {
      t += 0.022;
      bar.update(s, ProgressValues{{"loss", 0.5 / static_cast<double>(e + 1)}, {"mae", 0.2}});
    }
    // fit hands over a Logs map; ordered() shows it in Keras's order (loss first, val_ last).
    bar.end_epoch(ProgressBar::ordered({{"val_loss", 0.00012}, {"mae", 0.2}, {"loss", 0.5 / static_cast<double>(e + 1)}}));
  }
  const auto l = lines(out.str());
  ASSERT_EQ(l.size(), 3u) << out.str();
  EXPECT_EQ(l[0], "Epoch 1/3 - 90/90 - 2s 22ms/step - loss: 0.5000 - mae: 0.2000 - val_loss: 1.2000e-04");
  EXPECT_EQ(l[2], "Epoch 3/3 - 90/90 - 2s 22ms/step - loss: 0.1667 - mae: 0.2000 - val_loss: 1.2000e-04");
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(ProgressBar, TtyRedrawsInPlace) {
  std::ostringstream out;
  double t = 0.0;
  ProgressBar bar(out, {.tty = true, .interval = 0.0, .clock = [&] { return t; }});
  bar.begin_epoch(2, 20, 90);
  t = 1.0;
  bar.update(45, ProgressValues{{"loss", 0.1234}, {"mae", 0.2}});
  const std::string mid = out.str();
  EXPECT_NE(mid.find("Epoch 3/20\n"), std::string::npos);
  EXPECT_NE(mid.find("\r45/90 [==============>...............] - ETA: 1s - loss: 0.1234 - mae: 0.2000"),
            std::string::npos) << mid;
  t = 2.0;
  bar.update(90, ProgressValues{{"loss", 0.1}});
  bar.end_epoch(ProgressValues{{"loss", 0.1}, {"val_loss", 0.2}});
  const std::string all = out.str();
  EXPECT_NE(all.find("\r90/90 [==============================] - 2s 22ms/step - loss: 0.1000 - val_loss: 0.2000"),
            std::string::npos) << all;
  EXPECT_EQ(all.back(), '\n');
}

TEST(ProgressBar, ThrottlesRedrawsAndHandlesUnknownSteps) {
  std::ostringstream out;
  double t = 0.0;
  ProgressBar bar(out, {.tty = true, .clock = [&] { return t; }});
  bar.begin_epoch(0, 1, 0);
  for (std::size_t s = 1; s <= 100; ++s) {
    t += 0.001;  // 100 updates in 0.1 s with a 0.05 s interval: only a few draws
    bar.update(s, ProgressValues{{"loss", 1.0}});
  }
  std::size_t draws = 0;
  for (char c : out.str()) draws += c == '\r';
  EXPECT_LE(draws, 3u);
  EXPECT_GE(draws, 1u);
  EXPECT_NE(out.str().find("/Unknown"), std::string::npos);
  bar.end_epoch(ProgressValues{{"loss", 1.0}});
  EXPECT_NE(out.str().find("\r100/100 [="), std::string::npos) << out.str();
}

TEST(ProgressBar, Formats) {
  EXPECT_EQ(ProgressBar::format_value(0.12344), "0.1234");
  EXPECT_EQ(ProgressBar::format_value(0.0), "0.0000e+00");
  EXPECT_EQ(ProgressBar::format_eta(65), "1:05");
  EXPECT_EQ(ProgressBar::format_eta(3665), "1:01:05");
  EXPECT_EQ(ProgressBar::format_per_step(2.4), "2s/step");
  EXPECT_EQ(ProgressBar::format_per_step(0.0005), "500us/step");
}
