// float sums and means stay accurate however many terms they add (issue 25, item 5): one float
// accumulator drifted to 0.10096 for the mean of a million copies of 0.1f, and to 0.1088 at ten
// million; numpy's pairwise float32 sum gives 0.10000008 and torch 0.10000001.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;

TEST(ReduceAccuracy, MeanAndSumOfTenMillionFloats) {
  const auto x = Tensor<float>::full({10000000}, 0.1f);
  EXPECT_NEAR(mean(x).item(), 0.1, 1e-6);
  // 0.1f is 0.100000001490116...; the exact sum is 1000000.0149..., one float rounding away.
  EXPECT_NEAR(sum(x).item(), 1.0e6, 0.0625);
}

TEST(ReduceAccuracy, AlongAnAxisToo) {
  // (1e6, 3): the column means of 0.1, 0.2, 0.3, reduced along the long axis.
  auto x = Tensor<float>::empty({1000000, 3});
  for (std::size_t i = 0; i < 1000000; ++i) {
    x.data()[3 * i] = 0.1f;
    x.data()[3 * i + 1] = 0.2f;
    x.data()[3 * i + 2] = 0.3f;
  }
  const auto m = mean(x, {0});
  ASSERT_EQ(m.shape(), (Shape{3}));
  EXPECT_NEAR(m.data()[0], 0.1, 1e-6);
  EXPECT_NEAR(m.data()[1], 0.2, 1e-6);
  EXPECT_NEAR(m.data()[2], 0.3, 1e-6);
}
