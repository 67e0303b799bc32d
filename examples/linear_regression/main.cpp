// Linear regression with the tape and a plain gradient step: the smallest complete loom program.
#include <cstdio>

#include "loom.hpp"

int main() {
  using namespace loom;
  Generator gen(42);
  // y = x @ [2, -3] + 0.5 + noise
  auto x = random::normal<float>({256, 2}, 0.0, 1.0, gen);
  Tensor<float> true_w(Shape{2, 1}, std::vector<float>{2.0f, -3.0f});
  auto noise = random::normal<float>({256, 1}, 0.0, 0.1, gen);
  Tensor<float> y;
  {
    NoGradGuard no_grad;
    y = matmul(x, true_w) + 0.5f + noise;
  }

  Variable<float> w(Tensor<float>::zeros({2, 1}), "w");
  Variable<float> b(Tensor<float>::zeros({1}), "b");
  const float lr = 0.1f;
  for (int step = 0; step <= 100; ++step) {
    GradientTape tape;
    auto pred = matmul(x, w.value()) + b.value();
    auto loss = mean(square(pred - y));
    auto grads = tape.gradient(loss, std::vector<Variable<float>>{w, b});
    w.assign_sub(grads[0] * lr);
    b.assign_sub(grads[1] * lr);
    if (step % 10 == 0) std::printf("step %3d  loss %.6f\n", step, loss.item());
  }
  std::printf("final: w=[%.3f, %.3f] b=%.3f (true [2, -3], 0.5)\n", w.value().at({0, 0}),
              w.value().at({1, 0}), b.value().at({0}));
  return 0;
}
