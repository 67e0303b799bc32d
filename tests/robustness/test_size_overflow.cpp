// Sizes never overflow silently (issue 25, item 2): every shape whose element count wraps, every
// allocation no machine can serve and every layer count that would wrap a weight's size gives a
// typed error naming the argument or shape. Before: zeros(Shape{SIZE_MAX}) segfaulted in memset,
// zeros({2^62, 4}) had size 0, Embedding(2^62, 4) read 16 MB past a table of size 0, and
// Dense(2^40) / GRU(2^61) threw std::bad_alloc / std::length_error naming nothing.
#include <gtest/gtest.h>

#include <cstdint>

#include "robust_util.hpp"

using namespace loom;
using loom::testing::throws_exactly;

namespace {
constexpr std::size_t kHuge = std::size_t{1} << 62;
}

TEST(SizeOverflow, TensorsRefuseShapesWhoseCountWrapsOrCannotBeAllocated) {
  EXPECT_TRUE(throws_exactly<ShapeError>([] { Tensor<float>::zeros(Shape{SIZE_MAX}); },
                                         {"Tensor", "(18446744073709551615,)", "at most", "elements"}));
  EXPECT_TRUE(throws_exactly<ShapeError>([] { Tensor<float>::zeros(Shape{kHuge, 4}); },
                                         {"Shape", "(4611686018427387904, 4)", "overflows"}));
  EXPECT_TRUE(throws_exactly<ShapeError>([] { Tensor<double>::full(Shape{kHuge, kHuge}, 1.0); }, {"overflows"}));
  // A zero dimension makes the count 0 however large the others are.
  EXPECT_EQ(Tensor<float>::zeros(Shape{0, kHuge, kHuge}).size(), 0u);
  // Representable but larger than memory: a typed error naming the shape, not std::bad_alloc.
  EXPECT_TRUE(throws_exactly<RuntimeError>([] { Tensor<float>::empty(Shape{std::size_t{1} << 50}); },
                                           {"Tensor", "(1125899906842624,)", "bytes", "out-of-memory"}));
}

TEST(SizeOverflow, ReshapeRefusesAProductThatWrapsToTheOldSize) {
  const auto x = Tensor<float>::zeros({4});
  // 2^62 * 4 wraps to 0 and 2^63 * 2 * 4 to 0: neither may pass for a 4-element shape.
  EXPECT_TRUE(throws_exactly<ShapeError>([&] { reshape(x, {long(1) << 62, 4}); }, {"overflows"}));
  EXPECT_TRUE(throws_exactly<ShapeError>([&] { reshape(x, {long(1) << 62, 4, -1}); }, {"reshape"}));
  EXPECT_EQ(reshape(x, {2, 2}).shape(), (Shape{2, 2}));
}

TEST(SizeOverflow, LayerCountsNameTheArgument) {
  EXPECT_TRUE(throws_exactly<ValueError>([] { Embedding<float>(long(1) << 62, 4); },
                                         {"Embedding", "'input_dim'", "at most 2^40", "4611686018427387904"}));
  EXPECT_TRUE(throws_exactly<ValueError>([] { GRU<float>(long(1) << 61); },
                                         {"GRUCell", "'units'", "at most 2^40", "2305843009213693952"}));
  EXPECT_TRUE(throws_exactly<ValueError>([] { LSTMCell<float>(long(1) << 41); }, {"LSTMCell", "'units'"}));
  EXPECT_TRUE(throws_exactly<ValueError>([] { SimpleRNNCell<float>(long(1) << 41); }, {"SimpleRNNCell", "'units'"}));
  // Within the count limit but beyond memory: the error names the layer, the weight and its shape.
  Dense<float> d(long(1) << 40, {.name = "huge_dense"});
  EXPECT_TRUE(throws_exactly<RuntimeError>([&] { d(Tensor<float>::zeros({1, 32})); },
                                           {"'huge_dense'", "'kernel'", "(32, 1099511627776)", "out-of-memory"}));
  EXPECT_FALSE(d.built());
}

TEST(SizeOverflow, PadSequencesMaxlenIsBounded) {
  const std::vector<std::vector<int>> seqs = {{1, 2}, {3}};
  EXPECT_TRUE(throws_exactly<ValueError>([&] { pad_sequences<float>(seqs, {.maxlen = kHuge}); },
                                         {"pad_sequences", "'maxlen'", "4611686018427387904"}));
  EXPECT_EQ(pad_sequences<float>(seqs, {.maxlen = 3}).values.shape(), (Shape{2, 3}));
}
