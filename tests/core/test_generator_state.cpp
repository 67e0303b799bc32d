// A generator state that state() never writes is refused (issue 25, item 3): xoshiro256**'s
// all-zero state draws 0 forever, so the truncated normal's rejection loop never ended after such
// a state was loaded from a CRC-valid checkpoint, and a nan spare normal handed out nan.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

TEST(GeneratorState, AllZeroWordsAreRefusedAndChangeNothing) {
  Generator g(5);
  const std::string before = g.state();
  EXPECT_TRUE(throws_with<ValueError>([&] { g.set_state("0 0 0 0 0 0x0p+0"); },
                                      {"set_state", "'state'", "nonzero", "four zero words"}));
  EXPECT_EQ(g.state(), before);
  // One nonzero word is a valid state, and the stream it starts is not stuck at zero.
  g.set_state("0 0 0 1 0 0x0p+0");
  std::uint64_t any = 0;
  for (int i = 0; i < 8; ++i) any |= g.next_u64();
  EXPECT_NE(any, 0u);
}

TEST(GeneratorState, NonFiniteSpareNormalIsRefused) {
  Generator g(5);
  const std::string before = g.state();
  EXPECT_TRUE(throws_with<ValueError>([&] { g.set_state("1 2 3 4 1 nan"); }, {"'state'", "finite spare", "nan"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { g.set_state("1 2 3 4 1 inf"); }, {"'state'", "finite spare"}));
  EXPECT_EQ(g.state(), before);
  // A nan spare that is not in use (flag 0) is never drawn, but state() writes 0 there: accepted.
  g.set_state("1 2 3 4 0 0x0p+0");
  EXPECT_TRUE(std::isfinite(g.normal(0.0, 1.0)));
}

TEST(GeneratorState, EveryStateWrittenRestoresTheStream) {
  Generator a(11);
  for (int i = 0; i < 3; ++i) a.normal(0.0, 1.0);  // leaves a spare normal in the state
  Generator b(0);
  b.set_state(a.state());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.normal(0.0, 1.0), b.normal(0.0, 1.0));
}

TEST(InitializerArguments, NonFiniteOrReversedDistributionsAreRefused) {
  const double nan = std::nan("");
  EXPECT_TRUE(throws_with<ValueError>([&] { TruncatedNormal(0.0, nan); }, {"TruncatedNormal", "'stddev'", "nan"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RandomNormal(0.0, -1.0); }, {"RandomNormal", "'stddev'", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RandomNormal(INFINITY, 1.0); }, {"RandomNormal", "'mean'", "inf"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RandomUniform(1.0, -1.0); }, {"RandomUniform", "'maxval'", ">= minval", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { RandomUniform(nan, 1.0); }, {"RandomUniform", "'minval'"}));
  EXPECT_NO_THROW(RandomUniform(-1.0, 1.0));
  EXPECT_NO_THROW(TruncatedNormal(0.0, 0.0));
}
