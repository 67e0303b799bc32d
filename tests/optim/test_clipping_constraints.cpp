// Acceptance 3 and 4 of issue 5: constraints run after the update; clipnorm, clipvalue and
// global_clipnorm give the hand-computed gradients. SGD with lr 1 from w = 0 makes w = -(clipped g).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "layers/constraints.hpp"
#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;
using loom::testing::all_close;

namespace {
// The gradient SGD(lr=1) actually applied to a variable that started at zero.
std::vector<double> applied(const Variable<double>& v) {
  auto w = v.value().to_vector();
  for (auto& x : w) x = -x;
  return w;
}
void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}
}  // namespace

TEST(Clipping, ClipNormKerasCase) {
  SGD<double> opt({.learning_rate = 1.0, .clipnorm = 1.0});
  Variable<double> v(Tensor<double>::zeros(Shape{2}), "v");
  const Tensor<double> g{100.0, 100.0};
  opt.apply_gradients({g}, {v});
  expect_near(applied(v), {std::sqrt(2.0) / 2, std::sqrt(2.0) / 2}, 1e-15);
  EXPECT_EQ(g.to_vector(), (std::vector<double>{100.0, 100.0}));  // the caller's gradient is untouched
}

TEST(Clipping, ClipNormIsPerTensor) {
  SGD<double> opt({.learning_rate = 1.0, .clipnorm = 2.0});
  Variable<double> a(Tensor<double>::zeros(Shape{2}), "a"), b(Tensor<double>::zeros(Shape{2}), "b");
  // |[3, 4]| = 5 is scaled to 2; |[0.6, 0.8]| = 1 is below the limit and unchanged.
  opt.apply_gradients({Tensor<double>{3.0, 4.0}, Tensor<double>{0.6, 0.8}}, {a, b});
  expect_near(applied(a), {1.2, 1.6}, 1e-15);
  expect_near(applied(b), {0.6, 0.8}, 1e-15);
}

TEST(Clipping, ClipValue) {
  SGD<double> opt({.learning_rate = 1.0, .clipvalue = 1.0});
  Variable<double> a(Tensor<double>::zeros(Shape{2}), "a"), b(Tensor<double>::zeros(Shape{3}), "b");
  opt.apply_gradients({Tensor<double>{100.0, 100.0}, Tensor<double>{-3.0, 0.5, 2.0}}, {a, b});
  expect_near(applied(a), {1.0, 1.0}, 0);
  expect_near(applied(b), {-1.0, 0.5, 1.0}, 0);
}

TEST(Clipping, GlobalClipNorm) {
  {
    SGD<double> opt({.learning_rate = 1.0, .global_clipnorm = 1.0});
    Variable<double> v(Tensor<double>::zeros(Shape{2}), "v");
    opt.apply_gradients({Tensor<double>{50.0, 100.0}}, {v});
    const double n = std::sqrt(50.0 * 50.0 + 100.0 * 100.0);
    expect_near(applied(v), {50.0 / n, 100.0 / n}, 1e-15);
  }
  {
    // Global norm of [3, 4] and [12] is 13; with global_clipnorm 2 both scale by 2/13.
    SGD<double> opt({.learning_rate = 1.0, .global_clipnorm = 2.0});
    Variable<double> a(Tensor<double>::zeros(Shape{2}), "a"), b(Tensor<double>::zeros(Shape{1}), "b");
    opt.apply_gradients({Tensor<double>{3.0, 4.0}, Tensor<double>{12.0}}, {a, b});
    expect_near(applied(a), {6.0 / 13, 8.0 / 13}, 1e-15);
    expect_near(applied(b), {24.0 / 13}, 1e-15);
  }
  {
    // Below the limit: unchanged.
    SGD<double> opt({.learning_rate = 1.0, .global_clipnorm = 10.0});
    Variable<double> a(Tensor<double>::zeros(Shape{2}), "a");
    opt.apply_gradients({Tensor<double>{3.0, 4.0}}, {a});
    expect_near(applied(a), {3.0, 4.0}, 1e-15);
  }
  {
    // A non-finite global norm makes every gradient NaN, as Keras's clip_by_global_norm does.
    SGD<double> opt({.learning_rate = 1.0, .global_clipnorm = 1.0});
    Variable<double> a(Tensor<double>::zeros(Shape{2}), "a");
    opt.apply_gradients({Tensor<double>{std::numeric_limits<double>::infinity(), 1.0}}, {a});
    EXPECT_TRUE(std::isnan(a.value().at({1})));
  }
}

TEST(Clipping, ClipValueThenClipNorm) {
  // clipvalue 3 first: [4, -1, 2] -> [3, -1, 2], norm sqrt(14); then clipnorm 1.
  SGD<double> opt({.learning_rate = 1.0, .clipnorm = 1.0, .clipvalue = 3.0});
  Variable<double> v(Tensor<double>::zeros(Shape{3}), "v");
  opt.apply_gradients({Tensor<double>{4.0, -1.0, 2.0}}, {v});
  const double n = std::sqrt(14.0);
  expect_near(applied(v), {3.0 / n, -1.0 / n, 2.0 / n}, 1e-15);
}

TEST(Clipping, FloatClipNormMatchesDouble) {
  SGD<float> opt({.learning_rate = 1.0, .clipnorm = 1.0});
  Variable<float> v(Tensor<float>::zeros(Shape{2}), "v");
  opt.apply_gradients({Tensor<float>{100.0f, 100.0f}}, {v});
  EXPECT_TRUE(all_close(v.value(), Tensor<float>{-0.70710678f, -0.70710678f}, 1e-7));
}

namespace {
double max_column_norm(const Tensor<float>& w) {
  double worst = 0;
  for (std::size_t c = 0; c < w.dim(1); ++c) {
    double s = 0;
    for (std::size_t r = 0; r < w.dim(0); ++r) s += double(w.at({r, c})) * w.at({r, c});
    worst = std::max(worst, std::sqrt(s));
  }
  return worst;
}
}  // namespace

TEST(Constraints, MaxNormHoldsAfterEveryStep) {
  Variable<float> kernel(Tensor<float>{{0.1f, -0.2f, 0.3f}, {0.2f, 0.1f, -0.1f}, {-0.3f, 0.2f, 0.1f},
                                       {0.1f, 0.3f, 0.2f}},
                         "dense/kernel");
  kernel.set_constraint(as_variable_constraint<float>(std::make_shared<MaxNorm>(1.0)));
  Adam<float> opt({.learning_rate = 0.1});
  const Tensor<float> target = Tensor<float>::full(Shape{4, 3}, 3.0f);  // pulls every column norm to 6
  double worst = 0;
  for (int step = 0; step < 20; ++step) {
    GradientTape tape;
    const auto d = kernel.value() - target;
    const auto loss = sum(d * d);
    opt.apply_gradients(tape.gradient(loss, std::vector<Variable<float>>{kernel}), {kernel});
    const double n = max_column_norm(kernel.value());
    worst = std::max(worst, n);
    EXPECT_LE(n, 1.0 + 1e-6) << "step " << step;
  }
  std::printf("largest column norm over 20 Adam steps under MaxNorm(1): %.9f\n", worst);
  EXPECT_GT(worst, 0.999);  // the constraint was active, not merely unreached
}

TEST(Constraints, AppliedAfterTheUpdate) {
  // SGD from w with g: expect maxnorm(w - lr g), which differs from maxnorm(w) - lr g.
  const auto maxnorm = as_variable_constraint<double>(std::make_shared<MaxNorm>(1.0));
  const Tensor<double> w0{{0.6, 0.0}, {0.6, 2.0}}, g{{-1.0, 0.5}, {-1.0, 0.5}};
  Variable<double> v(w0, "v");
  v.set_constraint(maxnorm);
  SGD<double> opt({.learning_rate = 0.5});
  opt.apply_gradients({g}, {v});
  const auto after = maxnorm(w0 - g * 0.5);
  const auto before = maxnorm(w0) - g * 0.5;
  EXPECT_TRUE(all_close(v.value(), after, 1e-15));
  EXPECT_FALSE(all_close(v.value(), before, 1e-3));
}

TEST(Constraints, NotAppliedWithoutAGradient) {
  Variable<float> v(Tensor<float>{-1.0f, 2.0f}, "v"), u(Tensor<float>{-1.0f, 2.0f}, "u");
  v.set_constraint([](const Tensor<float>& w) { return relu(w); });
  SGD<float> opt({.learning_rate = 0.0});
  opt.apply_gradients({Tensor<float>(), Tensor<float>{0.0f, 0.0f}}, {v, u});
  EXPECT_EQ(v.value().to_vector(), (std::vector<float>{-1.0f, 2.0f}));
}
