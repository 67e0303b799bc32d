#pragma once
// A user-defined initializer: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], PyTorch's default for
// recurrent layers. An initializer writes doubles; the layer rounds them to its scalar type.
#include <cmath>
#include <string>

#include "layers/initializers.hpp"

namespace custom {

struct FanInUniform : loom::Initializer {
  void fill(double* out, const loom::Shape& shape, loom::Generator& g) const override {
    const double limit = 1.0 / std::sqrt(loom::compute_fans(shape).fan_in);
    for (std::size_t i = 0; i < shape.numel(); ++i) out[i] = g.uniform(-limit, limit);
  }
  std::string name() const override { return "FanInUniform"; }
};

}  // namespace custom
