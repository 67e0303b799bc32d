#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;

TEST(Blas, GemmWithTransposeFlagsAndBeta) {
  // A (2x3), B (3x2): C = A B
  const float a[] = {1, 2, 3, 4, 5, 6};
  const float b[] = {7, 8, 9, 10, 11, 12};
  float c[4] = {1, 1, 1, 1};
  blas::gemm<float>(false, false, 2, 2, 3, 1.0f, a, b, 1.0f, c);  // beta = 1 accumulates
  EXPECT_FLOAT_EQ(c[0], 1 + 58);
  EXPECT_FLOAT_EQ(c[3], 1 + 154);
  // A^T (3x2) from a stored as (2x3): C2 = A^T A (3x3)
  double ad[] = {1, 2, 3, 4, 5, 6};
  double c2[9];
  blas::gemm<double>(true, false, 3, 3, 2, 1.0, ad, ad, 0.0, c2);
  EXPECT_DOUBLE_EQ(c2[0], 1 * 1 + 4 * 4);
  EXPECT_DOUBLE_EQ(c2[5], 2 * 3 + 5 * 6);
}

TEST(Blas, ThreadsDefaultToOneAndRejectZero) {
  EXPECT_EQ(blas::num_threads(), 1);
  EXPECT_THROW(blas::set_num_threads(0), ValueError);
}

TEST(Random, SameSeedSameStreamAndStateRoundTrip) {
  Generator a(7), b(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  (void)a.normal();  // leaves a spare normal in the state
  const auto st = a.state();
  const double n1 = a.normal(), n2 = a.uniform01();
  Generator c(99);
  c.set_state(st);
  EXPECT_EQ(c.normal(), n1);
  EXPECT_EQ(c.uniform01(), n2);
  EXPECT_THROW(c.set_state("garbage"), ValueError);
}

TEST(Random, NormalMomentsAndTruncation) {
  Generator g(3);
  auto t = random::normal<double>({20000}, 1.0, 2.0, g);
  double m = 0, v = 0;
  for (double x : t.to_vector()) m += x;
  m /= 20000;
  for (double x : t.to_vector()) v += (x - m) * (x - m);
  v /= 20000;
  EXPECT_NEAR(m, 1.0, 0.05);
  EXPECT_NEAR(v, 4.0, 0.15);
  auto tn = random::truncated_normal<double>({5000}, 0.0, 1.0, g);
  for (double x : tn.to_vector()) EXPECT_LE(std::abs(x), 2.0);
}
