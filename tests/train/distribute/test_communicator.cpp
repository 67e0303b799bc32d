// The single-process communicator, shard() and the GradientReducer, in one process: what every
// build (with or without MPI) checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

TEST(SingleProcessCommunicator, IsRankZeroOfOneAndCollectivesAreTheIdentity) {
  auto c = distribute::single_process();
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->size(), 1);
  EXPECT_EQ(c->name(), "single_process");
  float f[3] = {1.5f, -2.0f, 3.25f};
  double d[2] = {0.1, 1e300};
  c->all_reduce_sum(f, 3);
  c->all_reduce_sum(d, 2);
  c->broadcast(f, 3, 0);
  std::string s = "state";
  c->broadcast(s, 0);
  c->barrier();
  EXPECT_EQ(f[0], 1.5f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_EQ(f[2], 3.25f);
  EXPECT_EQ(d[0], 0.1);
  EXPECT_EQ(d[1], 1e300);
  EXPECT_EQ(s, "state");
  EXPECT_TRUE(throws_with<ValueError>([&] { c->broadcast(f, 3, 1); }, {"root", "expected 0", "received 1"}));
}

TEST(MpiCommunicator, AvailabilityMatchesTheBuild) {
#if LOOM_TEST_MPI
  EXPECT_TRUE(distribute::mpi_available());
#else
  EXPECT_FALSE(distribute::mpi_available());
  EXPECT_TRUE(throws_with<NotImplementedError>([] { distribute::mpi_communicator(); },
                                               {"mpi_communicator", "LOOM_WITH_MPI", "without MPI"}));
#endif
}

TEST(Shard, ContiguousSlicesInRankOrderMakeTheBatch) {
  std::vector<std::size_t> batch;
  for (std::size_t i = 0; i < 32; ++i) batch.push_back(100 + i * 3);
  const auto a = distribute::shard(batch, 0, 2), b = distribute::shard(batch, 1, 2);
  ASSERT_EQ(a.size(), 16u);
  ASSERT_EQ(b.size(), 16u);
  EXPECT_EQ(a.front(), 100u);
  EXPECT_EQ(b.front(), 100u + 16 * 3);
  // Uneven: sizes differ by at most one and the slices concatenate to the batch.
  for (std::size_t n : {0u, 1u, 7u, 31u}) {
    for (int size : {1, 2, 3, 5}) {
      std::vector<std::size_t> in(batch.begin(), batch.begin() + static_cast<long>(n)), joined;
      std::size_t lo = n, hi = 0;
      for (int r = 0; r < size; ++r) {
        const auto s = distribute::shard(in, r, size);
        lo = std::min(lo, s.size());
        hi = std::max(hi, s.size());
        joined.insert(joined.end(), s.begin(), s.end());
      }
      EXPECT_EQ(joined, in) << "n " << n << " size " << size;
      EXPECT_LE(hi - lo, 1u) << "n " << n << " size " << size;
    }
  }
  EXPECT_TRUE(throws_with<ValueError>([&] { distribute::shard(batch, 2, 2); }, {"rank", "[0, 2)", "received 2"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { distribute::shard(batch, 0, 0); }, {"size", ">= 1", "received 0"}));
}

TEST(GradientReducer, DividesBySizeScalesPartialSlicesAndCarriesTheNonFiniteFlag) {
  distribute::GradientReducer<float> reducer(distribute::single_process());
  const std::vector<Tensor<float>> grads{Tensor<float>{1.0f, -2.0f}, Tensor<float>{{0.5f, 4.0f}, {8.0f, -1.0f}}};
  auto r = reducer.reduce(grads, 32, 32, false);
  ASSERT_EQ(r.grads.size(), 2u);
  EXPECT_EQ(r.grads[1].shape(), grads[1].shape());
  EXPECT_EQ(r.grads[0].to_vector(), grads[0].to_vector());
  EXPECT_EQ(r.grads[1].to_vector(), grads[1].to_vector());
  EXPECT_NE(r.grads[0].data(), grads[0].data());  // fresh tensors: the caller's are untouched
  EXPECT_FALSE(r.any_non_finite);
  // A slice of 8 of a 32-sample batch on 1 rank weighs 8/32 of the whole batch's mean.
  r = reducer.reduce(grads, 8, 32, true);
  EXPECT_EQ(r.grads[0].to_vector(), (std::vector<float>{0.25f, -0.5f}));
  EXPECT_TRUE(r.any_non_finite);
  EXPECT_TRUE(throws_with<ValueError>([&] { reducer.reduce(grads, 33, 32, false); },
                                      {"local_samples", "global_samples", "received 33 and 32"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { reducer.reduce({Tensor<float>()}, 1, 1, false); },
                                      {"grads", "undefined", "index 0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { distribute::GradientReducer<double> bad(nullptr); },
                                      {"comm", "null pointer"}));
}
