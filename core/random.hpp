#pragma once
// A seedable random engine. The same seed gives the same stream on every run, bit for bit, because
// the distributions below are written out here instead of using the implementation-defined
// std:: distributions.
#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace loom {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform in [0, 1).
  double uniform01();
  double uniform(double low, double high) { return low + (high - low) * uniform01(); }
  double normal(double mean = 0.0, double stddev = 1.0);
  // Normal redrawn until within two standard deviations (Keras's truncated_normal).
  double truncated_normal(double mean = 0.0, double stddev = 1.0);
  bool bernoulli(double p) { return uniform01() < p; }
  // Uniform integer in [0, n).
  std::uint64_t randint(std::uint64_t n);

  // The full engine state, for checkpoints: restoring it continues the exact same stream.
  std::string state() const;
  void set_state(const std::string& s);

 private:
  std::uint64_t s_[4]{};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// The calling thread's default generator, used when no seed or generator is given. Each thread has
// its own (so models trained in separate threads never share a stream, and each thread's results
// are those of the same code run alone); a thread's generator starts from the seed of the last
// set_seed() in any thread, or 0. docs/threads.md states the whole contract.
Generator& default_generator();
// Seeds the calling thread's default generator, and the generators of threads that first draw later.
void set_seed(std::uint64_t seed);

namespace random {
template <class T>
Tensor<T> uniform(const Shape& shape, double low, double high, Generator& g = default_generator());
template <class T>
Tensor<T> normal(const Shape& shape, double mean, double stddev, Generator& g = default_generator());
template <class T>
Tensor<T> truncated_normal(const Shape& shape, double mean, double stddev,
                           Generator& g = default_generator());
}  // namespace random

}  // namespace loom
