#include <gtest/gtest.h>

#include "core/buffer_pool.hpp"
#include "test_util.hpp"

using namespace loom;

TEST(Tensor, NestedInitializerListsGiveShapes) {
  Tensor<float> v{1, 2, 3};
  EXPECT_EQ(v.shape(), (Shape{3}));
  Tensor<float> m{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.at({1, 2}), 6.0f);
  Tensor<double> c{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
  EXPECT_EQ(c.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(c.at({1, 0, 1}), 6.0);
}

TEST(Tensor, RaggedInitializerThrowsShapeError) {
  EXPECT_TRUE(loom::testing::throws_with<ShapeError>([] { Tensor<float> t{{1, 2}, {3}}; }, {"expected 2", "received"}));
}

TEST(Tensor, CopiesShareStorageAndCloneDoesNot) {
  auto a = Tensor<float>::zeros({2, 2});
  auto b = a;
  b.data()[0] = 5;
  EXPECT_EQ(a.data()[0], 5.0f);
  auto c = a.clone();
  c.data()[0] = 7;
  EXPECT_EQ(a.data()[0], 5.0f);
  EXPECT_NE(a.id(), c.id());
  EXPECT_EQ(a.id(), b.id());
}

TEST(Tensor, FactoriesFillValues) {
  auto o = Tensor<double>::ones({3});
  auto f = Tensor<double>::full({2, 2}, 2.5);
  EXPECT_EQ(o.to_vector(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(f.to_vector(), (std::vector<double>{2.5, 2.5, 2.5, 2.5}));
}

TEST(Tensor, ScalarAndItem) {
  auto s = Tensor<float>::scalar(3.5f);
  EXPECT_EQ(s.rank(), 0u);
  EXPECT_EQ(s.item(), 3.5f);
  EXPECT_THROW(Tensor<float>::ones({2}).item(), ShapeError);
}

TEST(Tensor, AtOutOfRangeThrowsIndexError) {
  auto t = Tensor<float>::zeros({2, 3});
  EXPECT_TRUE(loom::testing::throws_with<IndexError>([&] { (void)t.at({2, 0}); }, {"expected < 2", "(2, 3)"}));
  EXPECT_THROW((void)t.at({0}), IndexError);
}

TEST(Tensor, UndefinedTensorThrowsValueError) {
  Tensor<float> t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW((void)t.shape(), ValueError);
}

TEST(Tensor, ViewAsSharesDataWithNewIdentity) {
  Tensor<float> m{{1, 2, 3}, {4, 5, 6}};
  auto v = m.view_as({3, 2});
  EXPECT_EQ(v.at({2, 1}), 6.0f);
  EXPECT_NE(v.id(), m.id());
  EXPECT_THROW(m.view_as({4}), ShapeError);
}

TEST(Tensor, ConvertsToAndFromXarray) {
  Tensor<double> m{{1, 2}, {3, 4}};
  auto a = to_xarray(m);
  EXPECT_EQ(a.shape()[0], 2u);
  EXPECT_EQ(a(1, 0), 3.0);
  auto back = from_xarray(a);
  EXPECT_EQ(back.to_vector(), m.to_vector());
  EXPECT_EQ(back.shape(), m.shape());
  xt::xarray<double, xt::layout_type::column_major> cm = a;
  xt::xarray<double> rm = cm;
  EXPECT_EQ(from_xarray(rm).to_vector(), m.to_vector());
}

TEST(BufferPool, ReusesFreedBlocks) {
  { auto t = Tensor<float>::zeros({64, 384}); }
  const auto before = pool::stats();
  { auto t = Tensor<float>::zeros({64, 384}); }
  const auto after = pool::stats();
  EXPECT_GE(after.hits, before.hits + 2);  // header and data both came from the free lists
  EXPECT_EQ(after.misses, before.misses);
}

TEST(Shape, BroadcastRulesAndErrors) {
  EXPECT_EQ(broadcast_shapes({2, 1, 3}, {4, 1}, "op"), (Shape{2, 4, 3}));
  EXPECT_TRUE(loom::testing::throws_with<ShapeError>([] { broadcast_shapes({2, 3}, {4, 3}, "add"); },
                                                     {"add", "(2, 3)", "(4, 3)"}));
  EXPECT_EQ(Shape({5}).str(), "(5,)");
}

TEST(BufferPool, LargeBlocksWasteAtMostAQuarter) {
  pool::release_cached();
  const std::size_t bytes = 39u << 20;  // 39 MiB: a power-of-two class would take 64 MiB
  void* p = pool::allocate(bytes);
  pool::deallocate(p, bytes);
  const auto cached = pool::stats().cached_bytes;
  EXPECT_GE(cached, bytes);
  EXPECT_LE(cached, bytes + bytes / 4);
  pool::release_cached();
  EXPECT_EQ(pool::stats().cached_bytes, 0u);
}
