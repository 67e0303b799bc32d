// Acceptance 6 of issue 5 (state saved after 3 steps and restored into a fresh optimizer continues
// bit for bit), plus the argument checks of every optimizer.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;
using loom::testing::throws_with;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer<float>>()>;

std::vector<Variable<float>> make_vars() {
  return {Variable<float>(Tensor<float>{{0.5f, -0.3f, 0.8f}, {0.1f, 0.7f, -0.6f}}, "dense/kernel"),
          Variable<float>(Tensor<float>{0.05f, -0.02f, 0.01f}, "dense/bias")};
}

// A nonlinear loss, so that the gradients change from step to step.
void step(Optimizer<float>& opt, std::vector<Variable<float>>& vars) {
  const Tensor<float> x{{1.0f, -2.0f}, {0.5f, 0.3f}, {-1.5f, 1.0f}, {2.0f, 0.1f}};
  GradientTape tape;
  const auto y = tanh(matmul(x, vars[0].value()) + vars[1].value());
  const auto loss = sum(y * y * y) + sum(vars[0].value() * vars[0].value()) * 0.1f;
  opt.apply_gradients(tape.gradient(loss, vars), vars);
}

bool bit_identical(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const std::vector<std::pair<const char*, Factory>> kFactories = {
    {"Adam amsgrad", [] { return std::make_unique<Adam<float>>(AdamOptions{.learning_rate = 0.05, .amsgrad = true}); }},
    {"AdamW", [] { return std::make_unique<AdamW<float>>(AdamWOptions{.learning_rate = 0.05, .weight_decay = 0.1}); }},
    {"SGD nesterov", [] { return std::make_unique<SGD<float>>(SGDOptions{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}); }},
    {"RMSprop", [] { return std::make_unique<RMSprop<float>>(RMSpropOptions{.learning_rate = 0.05, .momentum = 0.5, .centered = true}); }},
    {"Adagrad", [] { return std::make_unique<Adagrad<float>>(AdagradOptions{.learning_rate = 0.05}); }},
    {"Adam schedule", [] {
       return std::make_unique<Adam<float>>(AdamOptions{.learning_rate = schedules::ExponentialDecay(0.05, 2, 0.5)});
     }},
};

}  // namespace

TEST(OptimizerState, RestoreAfterThreeStepsIsBitIdentical) {
  for (const auto& [name, make] : kFactories) {
    auto straight_vars = make_vars();
    auto straight = make();
    for (int i = 0; i < 6; ++i) step(*straight, straight_vars);

    auto vars = make_vars();
    typename Optimizer<float>::State saved;
    {
      auto first = make();
      for (int i = 0; i < 3; ++i) step(*first, vars);
      saved = first->get_state();
    }
    auto resumed = make();
    resumed->set_state(saved, vars);
    EXPECT_EQ(resumed->iterations(), 3) << name;
    for (int i = 0; i < 3; ++i) step(*resumed, vars);

    for (std::size_t k = 0; k < vars.size(); ++k)
      EXPECT_TRUE(bit_identical(vars[k].value(), straight_vars[k].value())) << name << ", " << vars[k].name();
    const auto a = resumed->get_state(), b = straight->get_state();
    ASSERT_EQ(a.size(), b.size()) << name;
    for (const auto& [key, t] : a) EXPECT_TRUE(bit_identical(t, b.at(key))) << name << ", " << key;

    // Without the restore, the continuation differs: the test can fail.
    auto fresh_vars = make_vars();
    auto cold = make();
    for (int i = 0; i < 3; ++i) step(*cold, fresh_vars);
    auto cold2 = make();
    for (int i = 0; i < 3; ++i) step(*cold2, fresh_vars);
    EXPECT_FALSE(bit_identical(fresh_vars[0].value(), straight_vars[0].value())) << name;
  }
}

TEST(OptimizerState, KeysAndCopies) {
  Adam<float> opt;
  auto vars = make_vars();
  step(opt, vars);
  const auto state = opt.get_state();
  std::vector<std::string> keys;
  for (const auto& [k, _] : state) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"dense/bias/momentum", "dense/bias/velocity", "dense/kernel/momentum",
                                            "dense/kernel/velocity", "iterations"}));
  EXPECT_EQ(state.at("iterations").item(), 1.0f);
  // get_state copies: changing the copy leaves the optimizer alone.
  auto copy = state.at("dense/bias/momentum");
  copy.fill(42.0f);
  EXPECT_NE(opt.slot(vars[1], "momentum").to_vector()[0], 42.0f);
  // Unnamed variables are keyed by position.
  Variable<float> anon(Tensor<float>{1.0f}), anon2(Tensor<float>{2.0f});
  SGD<float> sgd({.momentum = 0.5});
  sgd.apply_gradients({Tensor<float>{1.0f}, Tensor<float>{1.0f}}, {anon, anon2});
  EXPECT_EQ(sgd.get_state().count("variable_0/momentum"), 1u);
  EXPECT_EQ(sgd.get_state().count("variable_1/momentum"), 1u);
}

TEST(OptimizerState, BadStateIsRejectedAndChangesNothing) {
  Adam<float> opt;
  auto vars = make_vars();
  step(opt, vars);
  const auto good = opt.get_state();
  const auto before = opt.slot(vars[0], "velocity").to_vector();

  auto missing = good;
  missing.erase("dense/kernel/velocity");
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.set_state(missing); }, {"Adam.set_state", "dense/kernel/velocity"}));

  auto wrong_shape = good;
  wrong_shape["dense/kernel/velocity"] = Tensor<float>::zeros(Shape{3, 2});
  EXPECT_TRUE(throws_with<ShapeError>([&] { opt.set_state(wrong_shape); }, {"dense/kernel/velocity", "(2, 3)", "(3, 2)"}));

  auto extra = good;
  extra["other/kernel/momentum"] = Tensor<float>::zeros(Shape{1});
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.set_state(extra); }, {"unknown key", "other/kernel/momentum"}));

  auto bad_iter = good;
  bad_iter["iterations"] = Tensor<float>::scalar(2.5f);
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.set_state(bad_iter); }, {"iterations", "whole number", "2.5"}));

  EXPECT_EQ(opt.slot(vars[0], "velocity").to_vector(), before);
  EXPECT_EQ(opt.iterations(), 1);

  // Duplicate names cannot be told apart in a named state.
  Variable<float> a(Tensor<float>{1.0f}, "same"), b(Tensor<float>{1.0f}, "same");
  SGD<float> sgd({.momentum = 0.5});
  sgd.build({a, b});
  EXPECT_TRUE(throws_with<ValueError>([&] { (void)sgd.get_state(); }, {"unique", "same"}));
}

TEST(OptimizerArguments, InvalidHyperparametersThrow) {
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.learning_rate = -0.1}); },
                                      {"Adam", "learning_rate", ">= 0", "-0.1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.beta_1 = 1.0}); }, {"Adam", "beta_1", "[0, 1)", "1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.beta_2 = -0.5}); }, {"Adam", "beta_2", "[0, 1)", "-0.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.epsilon = -1e-7}); }, {"Adam", "epsilon"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.clipnorm = 0.0}); }, {"Adam", "clipnorm", "> 0", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.clipvalue = -1.0}); }, {"Adam", "clipvalue", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.global_clipnorm = 0.0}); }, {"Adam", "global_clipnorm"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.clipnorm = 1.0, .global_clipnorm = 1.0}); },
                                      {"Adam", "clipnorm", "global_clipnorm", "at most one"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adam<float>({.weight_decay = -0.1}); }, {"Adam", "weight_decay", "-0.1"}));
  EXPECT_TRUE(throws_with<ValueError>([] { AdamW<float>({.weight_decay = std::nullopt}); }, {"AdamW", "weight_decay"}));
  EXPECT_TRUE(throws_with<ValueError>([] { AdamW<float>({.beta_1 = 1.5}); }, {"AdamW", "beta_1", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { SGD<float>({.momentum = 1.5}); }, {"SGD", "momentum", "[0, 1]", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { SGD<float>({.learning_rate = std::nan("")}); }, {"SGD", "learning_rate"}));
  EXPECT_TRUE(throws_with<ValueError>([] { RMSprop<float>({.rho = 1.0}); }, {"RMSprop", "rho"}));
  EXPECT_TRUE(throws_with<ValueError>([] { RMSprop<float>({.momentum = -0.1}); }, {"RMSprop", "momentum"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Adagrad<float>({.initial_accumulator_value = -1}); },
                                      {"Adagrad", "initial_accumulator_value"}));
  Adam<float> opt;
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.set_learning_rate(-1.0); }, {"Adam", "learning_rate"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.exclude_from_weight_decay({}, {"(unclosed"}); },
                                      {"exclude_from_weight_decay", "(unclosed"}));
}

TEST(OptimizerArguments, MismatchedGradientsThrow) {
  Adam<float> opt;
  auto vars = make_vars();
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.apply_gradients({Tensor<float>::zeros(Shape{2, 3})}, vars); },
                                      {"Adam.apply_gradients", "2 variables", "1 gradients"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { opt.apply_gradients({Tensor<float>::zeros(Shape{3, 2}), Tensor<float>::zeros(Shape{3})}, vars); },
      {"Adam.apply_gradients", "dense/kernel", "(2, 3)", "(3, 2)"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { opt.apply_gradients({Tensor<float>::zeros(Shape{3}), Tensor<float>::zeros(Shape{3})}, {vars[1], vars[1]}); },
      {"dense/bias", "twice"}));
  EXPECT_EQ(opt.iterations(), 0);
}

TEST(OptimizerArguments, UpdatesRecordNothingOnTheTape) {
  auto vars = make_vars();
  Adam<float> opt;
  GradientTape tape(true);
  const auto loss = sum(vars[0].value() * vars[0].value());
  const auto n = tape.num_records();
  opt.apply_gradients(tape.gradient(loss, vars), vars);
  EXPECT_EQ(tape.num_records(), n);
}
