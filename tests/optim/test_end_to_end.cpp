// Acceptance 7 of issue 5: RNN(GRUCell(8)) + Dense(1), trained with Adam on a generated
// sum-of-inputs regression, lowers the mean squared error by at least 10x.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "layers/dense.hpp"
#include "layers/gru_cell.hpp"
#include "layers/rnn.hpp"
#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;

TEST(EndToEnd, GruRegressionWithAdamLowersMseTenfold) {
  constexpr std::size_t kBatch = 128, kSteps = 10;
  Generator data_gen(7);
  const auto x = random::uniform<float>(Shape{kBatch, kSteps, 1}, -1.0, 1.0, data_gen);
  const auto target = sum(x, {1});  // (batch, 1): the sum of each sequence

  set_seed(42);
  RNN<float> rnn(std::make_shared<GRUCell<float>>(8));
  Dense<float> head(1);
  auto mse = [&] {
    const auto d = head(rnn(x)) - target;
    return mean(d * d);
  };
  std::vector<Variable<float>> weights;
  {
    NoGradGuard no_grad;
    (void)mse();  // builds the layers
  }
  for (const auto& v : rnn.trainable_weights()) weights.push_back(v);
  for (const auto& v : head.trainable_weights()) weights.push_back(v);
  ASSERT_EQ(weights.size(), 5u);  // kernel, recurrent_kernel, bias, dense kernel, dense bias

  float initial = 0;
  {
    NoGradGuard no_grad;
    initial = mse().item();
  }
  Adam<float> adam({.learning_rate = 0.02});
  const auto t0 = std::chrono::steady_clock::now();
  float last = initial;
  for (int step = 0; step < 300; ++step) {
    GradientTape tape;
    const auto loss = mse();
    last = loss.item();
    adam.apply_gradients(tape.gradient(loss, weights), weights);
  }
  float final_mse = 0;
  {
    NoGradGuard no_grad;
    final_mse = mse().item();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("sum regression: MSE %.4f -> %.4f (%.1fx lower) after 300 Adam steps, %.2f s\n", initial, final_mse,
              initial / final_mse, secs);
  EXPECT_LE(final_mse, initial / 10);
  EXPECT_LT(final_mse, last + 1e-3f);
  EXPECT_EQ(adam.iterations(), 300);
}
