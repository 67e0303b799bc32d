// Acceptance 2 of issue 5: every optimizer follows a 3-step trajectory on a 2x2 quadratic that is
// computed here, element by element, from the Keras formulas; plus the Keras test suite's golden
// numbers (docs/keras_contract.md §8.5, §8.7).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;
using loom::testing::all_close;

namespace {

// L(W) = sum(D * (W - C)^2), so dL/dW = 2 D (W - C).
const std::vector<double> kW0{1.0, -1.0, 0.5, 2.0};
const std::vector<double> kC{0.3, -0.2, 0.1, 0.4};
const std::vector<double> kD{1.0, 2.0, 0.5, 3.0};

// A reference step: updates w in place from g, at 1-based step t; keeps its own state.
using RefStep = std::function<void(std::vector<double>& w, const std::vector<double>& g, int t)>;

template <class T>
std::vector<std::vector<double>> run_optimizer(Optimizer<T>& opt, int steps) {
  Variable<T> w(Tensor<T>(Shape{2, 2}, std::vector<T>(kW0.begin(), kW0.end())), "w");
  const Tensor<T> C(Shape{2, 2}, std::vector<T>(kC.begin(), kC.end()));
  const Tensor<T> D(Shape{2, 2}, std::vector<T>(kD.begin(), kD.end()));
  std::vector<std::vector<double>> traj;
  for (int s = 0; s < steps; ++s) {
    GradientTape<T> tape;
    const auto diff = w.value() - C;
    const auto loss = sum(D * diff * diff);
    opt.apply_gradients(tape.gradient(loss, std::vector<Variable<T>>{w}), {w});
    const auto v = w.value().to_vector();
    traj.emplace_back(v.begin(), v.end());
  }
  return traj;
}

std::vector<std::vector<double>> run_reference(const RefStep& step, int steps) {
  std::vector<double> w = kW0, g(4);
  std::vector<std::vector<double>> traj;
  for (int t = 1; t <= steps; ++t) {
    for (int k = 0; k < 4; ++k) g[k] = 2.0 * kD[k] * (w[k] - kC[k]);
    step(w, g, t);
    traj.push_back(w);
  }
  return traj;
}

double max_diff(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  double d = 0;
  for (std::size_t s = 0; s < a.size(); ++s)
    for (std::size_t k = 0; k < a[s].size(); ++k) d = std::max(d, std::abs(a[s][k] - b[s][k]));
  return d;
}

RefStep ref_adam(double lr, double b1, double b2, double eps, bool amsgrad, double wd) {
  auto m = std::make_shared<std::vector<double>>(4, 0.0), v = std::make_shared<std::vector<double>>(4, 0.0),
       vh = std::make_shared<std::vector<double>>(4, 0.0);
  return [=](std::vector<double>& w, const std::vector<double>& g, int t) {
    for (int k = 0; k < 4; ++k) {
      w[k] -= w[k] * wd * lr;  // decoupled decay first
      (*m)[k] = b1 * (*m)[k] + (1 - b1) * g[k];
      (*v)[k] = b2 * (*v)[k] + (1 - b2) * g[k] * g[k];
      (*vh)[k] = std::max((*vh)[k], (*v)[k]);
      const double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
      w[k] -= alpha * (*m)[k] / (std::sqrt(amsgrad ? (*vh)[k] : (*v)[k]) + eps);
    }
  };
}

RefStep ref_sgd(double lr, double momentum, bool nesterov) {
  auto m = std::make_shared<std::vector<double>>(4, 0.0);
  return [=](std::vector<double>& w, const std::vector<double>& g, int) {
    for (int k = 0; k < 4; ++k) {
      if (momentum == 0) {
        w[k] -= lr * g[k];
        continue;
      }
      (*m)[k] = momentum * (*m)[k] - lr * g[k];
      w[k] += nesterov ? momentum * (*m)[k] - lr * g[k] : (*m)[k];
    }
  };
}

RefStep ref_rmsprop(double lr, double rho, double momentum, double eps, bool centered) {
  auto v = std::make_shared<std::vector<double>>(4, 0.0), mo = std::make_shared<std::vector<double>>(4, 0.0),
       a = std::make_shared<std::vector<double>>(4, 0.0);
  return [=](std::vector<double>& w, const std::vector<double>& g, int) {
    for (int k = 0; k < 4; ++k) {
      (*v)[k] = rho * (*v)[k] + (1 - rho) * g[k] * g[k];
      double denom = (*v)[k] + eps;
      if (centered) {
        (*a)[k] = rho * (*a)[k] + (1 - rho) * g[k];
        denom = (*v)[k] - (*a)[k] * (*a)[k] + eps;
      }
      const double inc = lr * g[k] / std::sqrt(denom);
      if (momentum > 0) {
        (*mo)[k] = momentum * (*mo)[k] + inc;
        w[k] -= (*mo)[k];
      } else {
        w[k] -= inc;
      }
    }
  };
}

RefStep ref_adagrad(double lr, double init, double eps) {
  auto acc = std::make_shared<std::vector<double>>(4, init);
  return [=](std::vector<double>& w, const std::vector<double>& g, int) {
    for (int k = 0; k < 4; ++k) {
      (*acc)[k] += g[k] * g[k];
      w[k] -= lr * g[k] / std::sqrt((*acc)[k] + eps);
    }
  };
}

struct Named {
  const char* name;
  std::function<std::unique_ptr<Optimizer<double>>()> make_d;
  std::function<std::unique_ptr<Optimizer<float>>()> make_f;
  std::function<RefStep()> ref;
};

template <template <class> class O, class Opts>
Named named(const char* name, Opts opts, std::function<RefStep()> ref) {
  return {name, [=] { return std::unique_ptr<Optimizer<double>>(new O<double>(opts)); },
          [=] { return std::unique_ptr<Optimizer<float>>(new O<float>(opts)); }, std::move(ref)};
}

std::vector<Named> all_cases() {
  return {
      named<Adam>("Adam", AdamOptions{.learning_rate = 0.1, .beta_2 = 0.5}, [] { return ref_adam(0.1, 0.9, 0.5, 1e-7, false, 0); }),
      named<Adam>("AMSGrad", AdamOptions{.learning_rate = 0.1, .beta_2 = 0.5, .amsgrad = true},
                  [] { return ref_adam(0.1, 0.9, 0.5, 1e-7, true, 0); }),
      named<AdamW>("AdamW", AdamWOptions{.learning_rate = 0.1, .weight_decay = 0.05},
                   [] { return ref_adam(0.1, 0.9, 0.999, 1e-7, false, 0.05); }),
      named<SGD>("SGD", SGDOptions{.learning_rate = 0.1}, [] { return ref_sgd(0.1, 0, false); }),
      named<SGD>("SGD momentum", SGDOptions{.learning_rate = 0.1, .momentum = 0.9}, [] { return ref_sgd(0.1, 0.9, false); }),
      named<SGD>("SGD nesterov", SGDOptions{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true},
                 [] { return ref_sgd(0.1, 0.9, true); }),
      named<RMSprop>("RMSprop", RMSpropOptions{.learning_rate = 0.01}, [] { return ref_rmsprop(0.01, 0.9, 0, 1e-7, false); }),
      named<RMSprop>("RMSprop centered", RMSpropOptions{.learning_rate = 0.01, .centered = true},
                     [] { return ref_rmsprop(0.01, 0.9, 0, 1e-7, true); }),
      named<RMSprop>("RMSprop momentum", RMSpropOptions{.learning_rate = 0.01, .momentum = 0.5},
                     [] { return ref_rmsprop(0.01, 0.9, 0.5, 1e-7, false); }),
      named<Adagrad>("Adagrad", AdagradOptions{.learning_rate = 0.1}, [] { return ref_adagrad(0.1, 0.1, 1e-7); }),
  };
}

}  // namespace

TEST(Optimizers, ThreeStepQuadraticTrajectoriesMatchKerasFormulas) {
  std::vector<std::vector<std::vector<double>>> finals;
  for (const auto& c : all_cases()) {
    const auto ref = run_reference(c.ref(), 3);
    auto od = c.make_d();
    auto of = c.make_f();
    const double err_d = max_diff(run_optimizer(*od, 3), ref);
    const double err_f = max_diff(run_optimizer(*of, 3), ref);
    std::printf("%-17s w after 3 steps [%.9f %.9f %.9f %.9f]  max err double %.2g float %.2g\n", c.name,
                ref[2][0], ref[2][1], ref[2][2], ref[2][3], err_d, err_f);
    EXPECT_LE(err_d, 1e-14) << c.name;
    // float32 carries Keras's own rounding: 1 - beta_2^t with beta_2 = 0.999 cast to float has a
    // relative error near 1e-5, which moves AdamW's steps by about 2e-6.
    EXPECT_LE(err_f, 5e-6) << c.name;
    EXPECT_EQ(od->iterations(), 3) << c.name;
    finals.push_back(ref);
  }
  // The variants are really exercised: each differs from its base optimizer.
  EXPECT_GT(max_diff(finals[0], finals[1]), 1e-4);  // AMSGrad vs Adam
  EXPECT_GT(max_diff(finals[4], finals[5]), 1e-4);  // nesterov vs momentum
  EXPECT_GT(max_diff(finals[6], finals[7]), 1e-4);  // centered vs plain RMSprop
  EXPECT_GT(max_diff(finals[6], finals[8]), 1e-4);  // momentum vs plain RMSprop
}

TEST(Optimizers, PlainSgdFirstStepByHand) {
  // g = 2 D (W - C) = [1.4, -3.2, 0.4, 9.6]; w - 0.1 g.
  SGD<double> sgd({.learning_rate = 0.1});
  const auto traj = run_optimizer(sgd, 1);
  const std::vector<double> expect{0.86, -0.68, 0.46, 1.04};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(traj[0][k], expect[k], 1e-15);
}

TEST(Optimizers, SlotNamesFollowKeras) {
  EXPECT_EQ(Adam<float>().slot_names(), (std::vector<std::string>{"momentum", "velocity"}));
  EXPECT_EQ(Adam<float>({.amsgrad = true}).slot_names(),
            (std::vector<std::string>{"momentum", "velocity", "velocity_hat"}));
  EXPECT_TRUE(SGD<float>().slot_names().empty());
  EXPECT_EQ(SGD<float>({.momentum = 0.9}).slot_names(), (std::vector<std::string>{"momentum"}));
  EXPECT_EQ(RMSprop<float>({.momentum = 0.5, .centered = true}).slot_names(),
            (std::vector<std::string>{"velocity", "momentum", "average_gradient"}));
  EXPECT_EQ(Adagrad<float>().slot_names(), (std::vector<std::string>{"accumulator"}));
  // Keras defaults.
  const auto a = Adam<float>().options();
  EXPECT_DOUBLE_EQ(a.learning_rate.constant(), 0.001);
  EXPECT_DOUBLE_EQ(a.beta_1, 0.9);
  EXPECT_DOUBLE_EQ(a.beta_2, 0.999);
  EXPECT_DOUBLE_EQ(a.epsilon, 1e-7);
  EXPECT_FALSE(a.amsgrad);
  EXPECT_FALSE(a.weight_decay.has_value());
  EXPECT_DOUBLE_EQ(*AdamW<float>().common_options().weight_decay, 0.004);
  EXPECT_DOUBLE_EQ(SGD<float>().learning_rate(), 0.01);
  EXPECT_EQ(Adam<float>().name(), "adam");
  // A fresh Adagrad accumulator starts at initial_accumulator_value.
  Variable<float> v(Tensor<float>{1.0f, 2.0f}, "v");
  Adagrad<float> ada({.initial_accumulator_value = 0.25});
  ada.build({v});
  EXPECT_EQ(ada.slot(v, "accumulator").to_vector(), (std::vector<float>{0.25f, 0.25f}));
}

// ---- Keras 3 adam_test.py / adamw_test.py / optimizer_test.py (docs/keras_contract.md §8.5) ----

TEST(KerasGolden, AdamSingleStep) {
  Adam<float> opt({.learning_rate = 0.5});
  Variable<float> x(Tensor<float>{1, 2, 3, 4}, "x");
  opt.apply_gradients({Tensor<float>{1, 6, 7, 2}}, {x});
  EXPECT_TRUE(all_close(x.value(), Tensor<float>{0.5f, 1.5f, 2.5f, 3.5f}, 1e-4));
}

TEST(KerasGolden, AdamWeightDecayAndExclusions) {
  const Tensor<float> zero = Tensor<float>::scalar(0.0f);
  Variable<float> var1(Tensor<float>::scalar(2.0f), "var1"), var2(Tensor<float>::scalar(2.0f), "exclude"),
      var3(Tensor<float>::scalar(2.0f), "var3");
  Adam<float> opt1({.learning_rate = 1.0, .weight_decay = 0.004});
  opt1.apply_gradients({zero}, {var1});
  Adam<float> opt2({.learning_rate = 1.0, .weight_decay = 0.004});
  opt2.exclude_from_weight_decay({}, {"exclude"});
  opt2.apply_gradients({zero, zero}, {var1, var2});
  Adam<float> opt3({.learning_rate = 1.0, .weight_decay = 0.004});
  opt3.exclude_from_weight_decay({var3});
  opt3.apply_gradients({zero, zero}, {var1, var3});
  EXPECT_NEAR(var1.value().item(), 1.9760959, 1e-6);
  EXPECT_NEAR(var2.value().item(), 2.0, 1e-6);
  EXPECT_NEAR(var3.value().item(), 2.0, 1e-6);
}

namespace {
// The Keras golden schedule: one step with 0.01, then steps with [0.1, 0.2, ..., 1.0].
template <class T, class Opt>
std::vector<std::vector<double>> golden_run(Opt& opt) {
  Variable<T> x(Tensor<T>::ones(Shape{10}), "x");
  std::vector<T> g(10);
  for (int i = 0; i < 10; ++i) g[i] = static_cast<T>(0.1 * (i + 1));
  const Tensor<T> grads(Shape{10}, g), first = Tensor<T>::full(Shape{10}, T(0.01));
  std::vector<std::vector<double>> rows;
  opt.apply_gradients({first}, {x});
  for (int i = 0; i < 5; ++i) {
    const auto v = x.value().to_vector();
    rows.emplace_back(v.begin(), v.end());
    opt.apply_gradients({grads}, {x});
  }
  return rows;
}
}  // namespace

TEST(KerasGolden, AmsgradCorrectnessWithGolden) {
  Adam<float> opt({.amsgrad = true});
  const auto rows = golden_run<float>(opt);
  const double golden[5] = {0.999, 0.9982, 0.9974, 0.9965, 0.9955};
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 10; ++k) EXPECT_NEAR(rows[i][k], golden[i], 5e-4 + 5e-4 * golden[i]) << i << "," << k;
  // The exact float64 values of docs/keras_contract.md §8.5 (first / last element).
  Adam<double> optd({.amsgrad = true});
  const auto exact = golden_run<double>(optd);
  const double first[5] = {0.999000, 0.998193, 0.997300, 0.996368, 0.995412};
  const double last[5] = {0.999000, 0.998250, 0.997387, 0.996475, 0.995535};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(exact[i][0], first[i], 1e-6) << i;
    EXPECT_NEAR(exact[i][9], last[i], 1e-6) << i;
  }
}

TEST(KerasGolden, AdamWSingleStep) {
  AdamW<float> opt({.learning_rate = 0.5});
  Variable<float> x(Tensor<float>{1, 2, 3, 4}, "x");
  opt.apply_gradients({Tensor<float>{1, 6, 7, 2}}, {x});
  EXPECT_TRUE(all_close(x.value(), Tensor<float>{0.4980f, 1.4960f, 2.494f, 3.492f}, 1e-4));
}

TEST(KerasGolden, AdamWCorrectnessWithGolden) {
  AdamW<float> opt({.learning_rate = 1.0, .weight_decay = 0.5, .epsilon = 2});
  const auto rows = golden_run<float>(opt);
  const double golden[5][10] = {
      {0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998},
      {0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
      {0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
      {0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
      {0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}};
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 10; ++k)
      EXPECT_NEAR(rows[i][k], golden[i][k], 5e-4 + 5e-4 * std::abs(golden[i][k])) << i << "," << k;
}

TEST(KerasGolden, IterationsCounter) {
  SGD<float> opt({.learning_rate = 1.0});
  Variable<float> v(Tensor<float>{{3, 4}, {5, 6}}, "v");
  EXPECT_EQ(opt.iterations(), 0);
  opt.apply_gradients({Tensor<float>::ones(Shape{2, 2})}, {v});
  EXPECT_EQ(opt.iterations(), 1);
  opt.apply_gradients({Tensor<float>::ones(Shape{2, 2})}, {v});
  EXPECT_EQ(opt.iterations(), 2);
}

TEST(KerasGolden, EmptyGradients) {
  Variable<float> v(Tensor<float>{{3, 4}, {5, 6}}, "v");
  SGD<float> opt({.learning_rate = 1.0});
  EXPECT_TRUE(loom::testing::throws_with<ValueError>([&] { opt.apply_gradients({Tensor<float>()}, {v}); },
                                                     {"No gradients provided for any variable"}));
  // An undefined gradient skips its variable; the others are updated.
  Variable<float> v2(Tensor<float>{{3, 4}, {5, 6}}, "v2");
  SGD<float> opt2({.learning_rate = 1.0});
  opt2.apply_gradients({Tensor<float>(), Tensor<float>::ones(Shape{2, 2})}, {v, v2});
  EXPECT_EQ(v.value().to_vector(), (std::vector<float>{3, 4, 5, 6}));
  EXPECT_EQ(v2.value().to_vector(), (std::vector<float>{2, 3, 4, 5}));
  // Empty lists are a no-op.
  opt2.apply_gradients({}, {});
  EXPECT_EQ(opt2.iterations(), 1);
}

TEST(KerasGolden, ConstraintsAreApplied) {
  Variable<float> v(Tensor<float>{{-1, 2}, {3, -4}}, "v");
  v.set_constraint([](const Tensor<float>& w) { return relu(w); });  // NonNeg
  SGD<float> opt({.learning_rate = 0.0});
  opt.apply_gradients({Tensor<float>::zeros(Shape{2, 2})}, {v});
  EXPECT_EQ(v.value().to_vector(), (std::vector<float>{0, 2, 3, 0}));
}

// ---- tf.keras optimizer_v2/adam_test.py (docs/keras_contract.md §8.7) ----

TEST(KerasGolden, TfKerasAdamResourceBasic) {
  Variable<double> var0(Tensor<double>{1.0, 2.0}, "var0"), var1(Tensor<double>{3.0, 4.0}, "var1");
  const Tensor<double> g0{0.1, 0.1}, g1{0.01, 0.01};
  Adam<double> opt;
  const double e0[3] = {0.9990000316, 0.9980000540, 0.9970000723};
  const double e1[3] = {2.9990003161, 2.9980005397, 2.9970007224};
  for (int t = 0; t < 3; ++t) {
    opt.apply_gradients({g0, g1}, {var0, var1});
    EXPECT_NEAR(var0.value().at({0}), e0[t], 1e-10);
    EXPECT_NEAR(var0.value().at({1}), e0[t] + 1, 1e-10);
    EXPECT_NEAR(var1.value().at({0}), e1[t], 1e-10);
    EXPECT_NEAR(var1.value().at({1}), e1[t] + 1, 1e-10);
  }
}

TEST(KerasGolden, TfKerasAdamInverseTimeDecay) {
  Variable<double> var0(Tensor<double>{1.0, 2.0}, "var0");
  Adam<double> opt({.learning_rate = schedules::InverseTimeDecay(0.001, 1, 0.5)});
  const double e0[3] = {0.9990000316, 0.9983333799, 0.9978333890};
  for (int t = 0; t < 3; ++t) {
    opt.apply_gradients({Tensor<double>{0.1, 0.1}}, {var0});
    EXPECT_NEAR(var0.value().at({0}), e0[t], 1e-9) << t;
  }
}

TEST(Optimizers, GetByIdentifier) {
  EXPECT_EQ(get<float>("adam")->name(), "adam");
  EXPECT_EQ(get<float>("Adam")->slot_names().size(), 2u);
  EXPECT_EQ(get<double>("SGD")->learning_rate(), 0.01);
  EXPECT_EQ(get<float>("rmsprop")->name(), "rmsprop");
  EXPECT_EQ(get<float>("adagrad")->slot_names(), (std::vector<std::string>{"accumulator"}));
  EXPECT_DOUBLE_EQ(*get<float>("AdamW")->common_options().weight_decay, 0.004);
  EXPECT_TRUE(loom::testing::throws_with<ValueError>([] { (void)get<float>("adamax"); },
                                                     {"identifier", "Adam", "SGD", "adamax"}));
}
