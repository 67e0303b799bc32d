#pragma once
// A user-defined regularizer: strength * sum((W^T W - I)^2) for a square recurrent kernel. It pulls
// the kernel towards an orthogonal matrix, which keeps the recurrence from exploding or vanishing.
// The penalty is built from recorded ops, so fit adds its gradient to the loss's.
#include <memory>
#include <string>

#include "core/config.hpp"
#include "layers/regularizers.hpp"

namespace custom {

struct Orthogonality : loom::Regularizer {
  explicit Orthogonality(double strength = 1e-3) : strength(strength) {}
  loom::Tensor<float> operator()(const loom::Tensor<float>& w) const override { return penalty(w); }
  loom::Tensor<double> operator()(const loom::Tensor<double>& w) const override { return penalty(w); }
  std::string name() const override { return "Orthogonality"; }
  std::string repr() const override { return "Orthogonality(strength=" + std::to_string(strength) + ")"; }
  loom::Config get_config() const override { return {{"strength", strength}}; }
  static std::shared_ptr<Orthogonality> from_config(const loom::Config& c) {
    loom::config::Reader r(c, "Orthogonality");
    auto reg = std::make_shared<Orthogonality>(r.number("strength", 1e-3));
    r.finish();
    return reg;
  }
  double strength;

 private:
  template <class T>
  loom::Tensor<T> penalty(const loom::Tensor<T>& w) const;
};

}  // namespace custom
