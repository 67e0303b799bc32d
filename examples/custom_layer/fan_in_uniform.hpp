#pragma once
// A user-defined initializer: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], PyTorch's default for
// recurrent layers. An initializer writes doubles; the layer rounds them to its scalar type.
#include <cmath>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "layers/initializers.hpp"

namespace custom {

struct FanInUniform : loom::Initializer {
  void fill(double* out, const loom::Shape& shape, loom::Generator& g) const override {
    const double limit = 1.0 / std::sqrt(loom::compute_fans(shape).fan_in);
    for (std::size_t i = 0; i < shape.numel(); ++i) out[i] = g.uniform(-limit, limit);
  }
  std::string name() const override { return "FanInUniform"; }
  // Keras's pair, so that a cell using it can be saved and copied (custom::register_classes).
  loom::Config get_config() const override { return {{"seed", seed ? loom::Config(*seed) : loom::Config(nullptr)}}; }
  static std::shared_ptr<FanInUniform> from_config(const loom::Config& c) {
    loom::config::Reader r(c, "FanInUniform");
    auto init = std::make_shared<FanInUniform>();
    init->seed = r.seed("seed");
    r.finish();
    return init;
  }
};

}  // namespace custom
