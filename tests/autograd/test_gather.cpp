// gather_rows: values, accumulation of repeated indices in the gradient, gradcheck, errors.
#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::throws_with;

TEST(GatherRows, ValuesAndShape) {
  Tensor<float> table{{0, 1}, {10, 11}, {20, 21}};
  auto y = gather_rows(table, Tensor<float>{{2, 0}, {1, 1}});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{20, 21, 0, 1, 10, 11, 10, 11}));
  // 1-D table: scalars per index.
  EXPECT_EQ(gather_rows(Tensor<float>{5, 6, 7}, Tensor<float>{2, 2, 0}).to_vector(), (std::vector<float>{7, 7, 5}));
}

TEST(GatherRows, GradientAccumulatesRepeatedRows) {
  Tensor<double> table{{0, 1}, {10, 11}, {20, 21}};
  GradientTape<double> tape;
  tape.watch(table);
  auto y = gather_rows(table, Tensor<double>{1, 1, 2, 1});
  auto g = tape.gradient(sum(y), table);
  EXPECT_TRUE(all_close(g, Tensor<double>{{0, 0}, {3, 3}, {1, 1}}, 0.0));

  Generator gen(3);
  auto t = random::uniform<double>(Shape{5, 3}, -1, 1, gen);
  auto ids = Tensor<double>{{4, 0, 4}, {2, 2, 1}};
  auto r = gradcheck([&](const std::vector<Tensor<double>>& v) { return gather_rows(v[0], ids); }, {t});
  EXPECT_TRUE(r.ok) << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6);
}

TEST(GatherRows, BadIndices) {
  Tensor<float> table{{0, 1}, {10, 11}};
  EXPECT_TRUE(throws_with<IndexError>([&] { gather_rows(table, Tensor<float>{0, 2}); },
                                      {"gather_rows", "[0, 2)", "received 2", "position 1"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { gather_rows(table, Tensor<float>{-1}); }, {"received -1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { gather_rows(table, Tensor<float>{0.5f}); }, {"integer", "0.5"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { gather_rows(Tensor<float>::scalar(1), Tensor<float>{0}); },
                                      {"table", "rank >= 1"}));
}
