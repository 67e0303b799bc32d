// Acceptance 5 of issue 5: each schedule gives its closed-form value at steps 0, 1, 10 and 1000,
// and the optimizer reads it at the step count before the increment.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;
using namespace loom::optimizers::schedules;

namespace {
constexpr std::int64_t kSteps[] = {0, 1, 10, 1000};
constexpr double kPi = std::numbers::pi;

template <class S, class F>
void expect_closed_form(const S& s, F closed, const char* what) {
  for (auto step : kSteps) EXPECT_NEAR(s(step), closed(double(step)), 1e-15) << what << " at step " << step;
}
}  // namespace

TEST(Schedules, ExponentialDecay) {
  expect_closed_form(ExponentialDecay(0.1, 100, 0.96), [](double s) { return 0.1 * std::pow(0.96, s / 100); },
                     "smooth");
  expect_closed_form(ExponentialDecay(0.1, 3, 0.5, true),
                     [](double s) { return 0.1 * std::pow(0.5, std::floor(s / 3)); }, "staircase");
  EXPECT_DOUBLE_EQ(ExponentialDecay(0.1, 3, 0.5, true)(10), 0.1 * 0.125);
}

TEST(Schedules, InverseTimeDecay) {
  expect_closed_form(InverseTimeDecay(0.1, 10, 0.5), [](double s) { return 0.1 / (1 + 0.5 * s / 10); }, "smooth");
  expect_closed_form(InverseTimeDecay(0.1, 3, 0.5, true),
                     [](double s) { return 0.1 / (1 + 0.5 * std::floor(s / 3)); }, "staircase");
  EXPECT_DOUBLE_EQ(InverseTimeDecay(0.1, 10, 0.5)(10), 0.1 / 1.5);
}

TEST(Schedules, PiecewiseConstantDecay) {
  const PiecewiseConstantDecay s({1, 10}, {1.0, 0.5, 0.1});
  EXPECT_EQ(s(0), 1.0);
  EXPECT_EQ(s(1), 1.0);  // step <= boundary keeps the earlier value
  EXPECT_EQ(s(2), 0.5);
  EXPECT_EQ(s(10), 0.5);
  EXPECT_EQ(s(11), 0.1);
  EXPECT_EQ(s(1000), 0.1);
}

TEST(Schedules, PolynomialDecay) {
  const PolynomialDecay s(0.1, 100, {.end_learning_rate = 0.01, .power = 2.0});
  expect_closed_form(
      s, [](double x) { return (0.1 - 0.01) * std::pow(1 - std::min(x, 100.0) / 100, 2.0) + 0.01; }, "power 2");
  EXPECT_DOUBLE_EQ(s(1000), 0.01);
  // cycle: decay_steps grows to the next multiple of 100 above the step.
  const PolynomialDecay c(0.1, 100, {.cycle = true});
  expect_closed_form(
      c,
      [](double x) {
        const double ds = 100 * (x == 0 ? 1.0 : std::ceil(x / 100));
        return (0.1 - 1e-4) * (1 - x / ds) + 1e-4;
      },
      "cycle");
  EXPECT_NEAR(c(150), (0.1 - 1e-4) * (1 - 150.0 / 200) + 1e-4, 1e-15);
}

TEST(Schedules, CosineDecay) {
  expect_closed_form(
      CosineDecay(0.1, 100, {.alpha = 0.1}),
      [](double s) { return 0.1 * (0.9 * 0.5 * (1 + std::cos(kPi * std::min(s, 100.0) / 100)) + 0.1); }, "plain");
  EXPECT_NEAR(CosineDecay(0.1, 100)(1000), 0.0, 1e-15);
  // Warmup from 0 to 1 over 10 steps, then cosine from 1 over 100 steps.
  const CosineDecay w(0.0, 100, {.warmup_target = 1.0, .warmup_steps = 10});
  expect_closed_form(
      w,
      [](double s) {
        if (s < 10) return s / 10;
        return 0.5 * (1 + std::cos(kPi * (std::min(s, 110.0) - 10) / 100));
      },
      "warmup");
  EXPECT_DOUBLE_EQ(w(5), 0.5);
}

TEST(Schedules, CosineDecayRestarts) {
  const CosineDecayRestarts s(0.1, 10);  // periods 10, 20, 40, ... (t_mul 2)
  const auto closed = [](double step) {
    const double f = step / 10;
    const double i = std::floor(std::log2(1 + f));
    const double frac = (f - (std::pow(2.0, i) - 1)) / std::pow(2.0, i);
    return 0.1 * 0.5 * (1 + std::cos(kPi * frac));
  };
  expect_closed_form(s, closed, "restarts");
  EXPECT_NEAR(s(10), 0.1, 1e-15);  // a restart
  EXPECT_NEAR(s(1000), 0.1 * 0.5 * (1 + std::cos(kPi * 37.0 / 64)), 1e-15);
  const CosineDecayRestarts m(0.1, 10, {.t_mul = 1.0, .m_mul = 0.5});
  EXPECT_NEAR(m(10), 0.05, 1e-15);
  EXPECT_NEAR(m(25), 0.1 * 0.25 * 0.5 * (1 + std::cos(kPi * 0.5)), 1e-15);
}

TEST(Schedules, UserFunction) {
  const LearningRate lr([](std::int64_t step) { return 1.0 / (1.0 + double(step)); });
  ASSERT_TRUE(lr.is_schedule());
  for (auto step : kSteps) EXPECT_DOUBLE_EQ(lr(step), 1.0 / (1.0 + double(step)));
}

TEST(Schedules, OptimizerReadsTheStepBeforeTheIncrement) {
  // lr(step) = 0.1 / (1 + step) and g = 1: w = -(0.1 + 0.05 + 0.1/3).
  SGD<double> opt({.learning_rate = [](std::int64_t step) { return 0.1 / (1.0 + double(step)); }});
  Variable<double> w(Tensor<double>{0.0}, "w");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.1);
  for (int i = 0; i < 3; ++i) opt.apply_gradients({Tensor<double>{1.0}}, {w});
  EXPECT_NEAR(w.value().item(), -(0.1 + 0.05 + 0.1 / 3), 1e-15);
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.025);
  // A schedule object and a shared one work as well.
  SGD<double> a({.learning_rate = PiecewiseConstantDecay({0}, {1.0, 0.5})});
  Variable<double> v(Tensor<double>{0.0}, "v");
  a.apply_gradients({Tensor<double>{1.0}}, {v});
  a.apply_gradients({Tensor<double>{1.0}}, {v});
  EXPECT_DOUBLE_EQ(v.value().item(), -1.5);
  SGD<double> b({.learning_rate = std::make_shared<ExponentialDecay>(1.0, 1, 0.5)});
  b.set_iterations(2);
  EXPECT_DOUBLE_EQ(b.learning_rate(), 0.25);
}

TEST(Schedules, InvalidArgumentsThrow) {
  using loom::testing::throws_with;
  EXPECT_TRUE(throws_with<ValueError>([] { ExponentialDecay(0.1, 0, 0.9); }, {"ExponentialDecay", "decay_steps", "> 0", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { InverseTimeDecay(0.1, -5, 0.9); }, {"InverseTimeDecay", "decay_steps", "-5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { PolynomialDecay(0.1, 0); }, {"PolynomialDecay", "decay_steps"}));
  EXPECT_TRUE(throws_with<ValueError>([] { CosineDecay(0.1, 0); }, {"CosineDecay", "decay_steps"}));
  EXPECT_TRUE(throws_with<ValueError>([] { CosineDecay(-0.1, 10); }, {"CosineDecay", "initial_learning_rate", "-0.1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { PiecewiseConstantDecay({1, 2}, {1.0, 0.5}); },
                                      {"PiecewiseConstantDecay", "values", "3", "2"}));
  EXPECT_TRUE(throws_with<ValueError>([] { PiecewiseConstantDecay({5, 2}, {1.0, 0.5, 0.1}); },
                                      {"boundaries", "increasing"}));
  // A schedule that yields a negative rate is caught when the optimizer uses it.
  SGD<float> opt({.learning_rate = [](std::int64_t) { return -1.0; }});
  Variable<float> v(Tensor<float>{0.0f}, "v");
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.apply_gradients({Tensor<float>{1.0f}}, {v}); },
                                      {"SGD", "learning_rate", "step 0", "-1"}));
}
