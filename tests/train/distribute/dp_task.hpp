#pragma once
// The task the data-parallel tests train, shared by the gtest program and the MPI driver
// (data_parallel_driver.cpp) so that both build the same data, model and optimizer.
#include <cstdint>
#include <memory>
#include <string>

#include "loom.hpp"

namespace loom::testing::dp {

struct Task {
  Tensor<float> x, y;  // x (n, 6, 3) sequences, y (n, 1)
};

// y = 0.3 * sum of the first feature over time + noise: a small sequence regression.
inline Task make_task(std::size_t n, std::uint64_t seed) {
  Generator g(seed);
  Task t{random::normal<float>({n, 6, 3}, 0.0, 1.0, g), Tensor<float>::empty(Shape{n, 1})};
  for (std::size_t i = 0; i < n; ++i) {
    double acc = 0.0;
    for (std::size_t s = 0; s < 6; ++s) acc += t.x.data()[(i * 6 + s) * 3];
    t.y.data()[i] = static_cast<float>(0.3 * acc + g.normal(0.0, 0.05));
  }
  return t;
}

// GRU(8) -> Dense(1), Adam with global_clipnorm (so the clipping after the all-reduce is part of
// what is compared), weights drawn from default_generator() seeded with init_seed.
inline std::shared_ptr<Sequential<float>> make_model(std::uint64_t init_seed) {
  set_seed(init_seed);
  auto m = std::make_shared<Sequential<float>>("dp_model");
  // Named cell: weight files are keyed by names, which must match across processes.
  m->add(std::make_shared<RNN<float>>(std::make_shared<GRUCell<float>>(8, GRUCellOptions{.name = "dp_gru_cell"}), RNNOptions{.name = "dp_gru"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = "dp_out"}));
  m->compile(std::make_shared<optimizers::Adam<float>>(
                 optimizers::AdamOptions{.learning_rate = 1e-2, .global_clipnorm = 1.0}),
             "mse", {"mae"});
  m->build(Shape{1, 6, 3});
  return m;
}

}  // namespace loom::testing::dp
