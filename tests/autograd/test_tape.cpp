#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace loom;

TEST(Tape, GradientOfSimpleExpression) {
  Tensor<double> x{1, 2, 3};
  GradientTape<double> tape;
  tape.watch(x);
  auto y = sum(x * x);
  auto g = tape.gradient(y, x);
  EXPECT_EQ(g.to_vector(), (std::vector<double>{2, 4, 6}));
}

TEST(Tape, UnwatchedTensorsAreNotRecorded) {
  Tensor<float> x{1, 2};
  GradientTape tape;
  auto y = x * 2.0f;
  EXPECT_EQ(tape.num_records(), 0u);
  tape.watch(x);
  auto z = x * 2.0f;
  EXPECT_EQ(tape.num_records(), 1u);  // one mul; the scalar operand is not watched
}

TEST(Tape, TrainableVariablesAreWatchedAutomatically) {
  Variable<float> v(Tensor<float>{1, 2}, "v");
  GradientTape tape;
  auto loss = sum(v.value() * 3.0f);
  auto g = tape.gradient(loss, std::vector<Variable<float>>{v});
  EXPECT_EQ(g[0].to_vector(), (std::vector<float>{3, 3}));
}

TEST(Tape, NonTrainableVariablesAreNot) {
  Variable<float> v(Tensor<float>{1, 2}, "v", false);
  GradientTape tape;
  auto loss = sum(v.value() * 3.0f);
  EXPECT_EQ(tape.num_records(), 0u);
  auto g = tape.gradient(loss, v.value());
  EXPECT_EQ(g.to_vector(), (std::vector<float>{0, 0}));
}

TEST(Tape, UnconnectedSourceGetsZeros) {
  Tensor<double> x{1, 2}, y{3, 4, 5};
  GradientTape<double> tape;
  tape.watch(x);
  tape.watch(y);
  auto loss = sum(x);
  auto g = tape.gradient(loss, std::vector<Tensor<double>>{x, y});
  EXPECT_EQ(g[1].to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(g[0].to_vector(), (std::vector<double>{1, 1}));
}

TEST(Tape, NonPersistentTapeAnswersOnce) {
  Tensor<double> x{1.0};
  GradientTape<double> tape;
  tape.watch(x);
  auto y = x * x;
  (void)tape.gradient(y, x);
  EXPECT_TRUE(loom::testing::throws_with<RuntimeError>([&] { (void)tape.gradient(y, x); }, {"persistent"}));
}

TEST(Tape, PersistentTapeAnswersTwice) {
  Tensor<double> x{3.0};
  GradientTape<double> tape(true);
  tape.watch(x);
  auto y = x * x;
  auto z = y * x;
  EXPECT_DOUBLE_EQ(tape.gradient(y, x).item(), 6.0);
  EXPECT_DOUBLE_EQ(tape.gradient(z, x).item(), 27.0);
}

TEST(Tape, NestedTapesRecordIndependently) {
  Tensor<double> x{2.0}, y{5.0};
  GradientTape<double> outer;
  outer.watch(x);
  double inner_grad = 0;
  {
    GradientTape<double> inner;
    inner.watch(y);
    auto z = x * y;
    inner_grad = inner.gradient(z, y).item();  // dz/dy = x
    EXPECT_EQ(inner.num_records(), 0u);        // cleared after use
    auto w = z * z;
    (void)w;
  }
  EXPECT_DOUBLE_EQ(inner_grad, 2.0);
  // The outer tape saw x*y (x is watched) and z*z, but knows nothing of y.
  auto z2 = x * y;
  auto g = outer.gradient(z2, x);
  EXPECT_DOUBLE_EQ(g.item(), 5.0);
}

TEST(Tape, GradientsAccumulateOverReuse) {
  Tensor<double> x{1.5};
  GradientTape<double> tape;
  tape.watch(x);
  auto y = x * x + x * 3.0 + x;
  EXPECT_DOUBLE_EQ(tape.gradient(y, x).item(), 2 * 1.5 + 3 + 1);
}

TEST(Tape, AliasedGradientsAreIndependentCopies) {
  Tensor<float> a{1, 2}, b{3, 4};
  GradientTape tape;
  tape.watch(a);
  tape.watch(b);
  auto g = tape.gradient(sum(a + b), std::vector<Tensor<float>>{a, b});
  g[0].data()[0] = 100;
  EXPECT_EQ(g[1].data()[0], 1.0f);
}

TEST(Tape, NoGradGuardStopsRecording) {
  Tensor<float> x{1, 2};
  GradientTape tape;
  tape.watch(x);
  {
    NoGradGuard ng;
    auto y = x * x;
    (void)y;
  }
  EXPECT_EQ(tape.num_records(), 0u);
}

TEST(Tape, OutputGradientSeedsTheSweep) {
  Tensor<double> x{1, 2};
  GradientTape<double> tape;
  tape.watch(x);
  auto y = x * 3.0;
  auto g = tape.gradient(y, x, Tensor<double>{1, 10});
  EXPECT_EQ(g.to_vector(), (std::vector<double>{3, 30}));
}

TEST(Tape, RecordsDoNotKeepUnneededTensorsAlive) {
  // add's backward needs no input values: the intermediate storage is released to the pool.
  Tensor<float> x = Tensor<float>::ones({256});
  GradientTape tape;
  tape.watch(x);
  std::uint64_t id;
  {
    auto y = x + x;
    id = y.id();
  }
  auto z = x * 2.0f;
  EXPECT_NE(id, z.id());
  EXPECT_EQ(tape.num_records(), 2u);
}

TEST(OpErrors, ShapeErrorsNameOpAndShapes) {
  using loom::testing::throws_with;
  auto a = Tensor<float>::ones({2, 3});
  auto b = Tensor<float>::ones({4, 3});
  EXPECT_TRUE(throws_with<ShapeError>([&] { (void)(a + b); }, {"add", "(2, 3)", "(4, 3)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { (void)matmul(a, a); }, {"matmul", "(2, 3)", "(2, 3)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { (void)(a * b); }, {"mul", "(2, 3)", "(4, 3)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { (void)reshape(a, {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { (void)concat(std::vector<Tensor<float>>{a, Tensor<float>::ones({2, 2, 1})}, 1); }, {"concat", "(2, 2, 1)"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { (void)slice(a, 1, 2, 5); }, {"slice", "stop=5"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { (void)sum(a, {2}); }, {"sum", "axis", "received 2"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { (void)split(a, 2, 1); }, {"split", "num", "received 2"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { (void)add(a, Tensor<float>()); }, {"add", "'b'", "undefined"}));
}

TEST(Ops, ForwardValues) {
  Tensor<double> a{{1, 2}, {3, 4}};
  Tensor<double> b{10, 20};
  EXPECT_EQ((a + b).to_vector(), (std::vector<double>{11, 22, 13, 24}));
  EXPECT_EQ(matmul(a, a).to_vector(), (std::vector<double>{7, 10, 15, 22}));
  EXPECT_EQ(sum(a, {0}).to_vector(), (std::vector<double>{4, 6}));
  EXPECT_EQ(mean(a).item(), 2.5);
  EXPECT_EQ(transpose(a).to_vector(), (std::vector<double>{1, 3, 2, 4}));
  EXPECT_NEAR(softmax(Tensor<double>{0, 0}).to_vector()[0], 0.5, 1e-15);
  EXPECT_EQ(hard_sigmoid(Tensor<double>{-3, 0, 1, 3}).to_vector(), (std::vector<double>{0, 0.5, 0.7, 1}));
  EXPECT_EQ(concat(std::vector<Tensor<double>>{a, a}, 0).shape(), (Shape{4, 2}));
  EXPECT_EQ(stack(std::vector<Tensor<double>>{b, b}, 0).shape(), (Shape{2, 2}));
  EXPECT_EQ(reverse(b, 0).to_vector(), (std::vector<double>{20, 10}));
  EXPECT_EQ(greater(b, Tensor<double>{15, 15}).to_vector(), (std::vector<double>{0, 1}));
}
