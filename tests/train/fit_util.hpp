#pragma once
// Shared pieces of the Model/fit tests: a generated regression task and small models with fixed
// layer names (weight files are keyed by names, and names are unique per process otherwise).
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>

#include "test_util.hpp"

namespace loom::testing {

// y = x . w + 0.5 + noise (sd 0.01), x ~ U(-1, 1), with w = (1, -2, 0.5, 3).
struct Regression {
  Tensor<float> x, y;
};

inline Regression make_regression(std::size_t n, std::uint64_t seed, double noise = 0.01) {
  Generator g(seed);
  const float w[4] = {1.0f, -2.0f, 0.5f, 3.0f};
  Regression r{Tensor<float>::empty(Shape{n, 4}), Tensor<float>::empty(Shape{n, 1})};
  for (std::size_t i = 0; i < n; ++i) {
    float acc = 0.5f;
    for (std::size_t j = 0; j < 4; ++j) {
      const float v = static_cast<float>(g.uniform(-1.0, 1.0));
      r.x.data()[i * 4 + j] = v;
      acc += w[j] * v;
    }
    r.y.data()[i] = acc + static_cast<float>(g.normal(0.0, noise));
  }
  return r;
}

// Dense(16, tanh) -> Dropout(rate) -> Dense(1), layers named <prefix>_hidden, _drop, _out. The
// weights are initialised from default_generator(), seeded here.
inline std::shared_ptr<Sequential<float>> make_mlp(const std::string& prefix, std::uint64_t init_seed,
                                                   double dropout = 0.0) {
  set_seed(init_seed);
  auto m = std::make_shared<Sequential<float>>(prefix);
  m->add(std::make_shared<Dense<float>>(16, DenseOptions{.activation = "tanh", .name = prefix + "_hidden"}));
  if (dropout > 0.0) m->add(std::make_shared<Dropout<float>>(dropout, DropoutOptions{.name = prefix + "_drop"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = prefix + "_out"}));
  m->build(Shape{1, 4});
  return m;
}

inline bool bit_equal(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A fresh empty folder for one test's files.
inline std::string temp_dir(const std::string& tag) {
  std::string tmpl = ::testing::TempDir() + "loom_" + tag + "_XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  if (!p) throw std::runtime_error("mkdtemp failed for " + tmpl);
  return p;
}

}  // namespace loom::testing
