#pragma once
// Dense: activation(x @ kernel + bias) on the last axis, as keras.layers.Dense. Inputs of any rank
// >= 2: (B, I) -> (B, U), (B, T, I) -> (B, T, U), ...
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>

#include "layers/activations.hpp"
#include "core/checks.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/layer.hpp"
#include "layers/option_arg.hpp"
#include "layers/regularizers.hpp"

namespace loom {

// Keras's defaults: Dense(units, activation=None, use_bias=True, kernel_initializer=
// "glorot_uniform", bias_initializer="zeros", no regularizers, no constraints).
struct DenseOptions {
  // Each field knows its name, so a bad identifier is reported as "Dense: argument '<field>': ...".
  template <class Arg, FixedString Name>
  using Option = OptionArg<Arg, "Dense", Name>;

  Option<ActivationArg, "activation"> activation = nullptr;
  bool use_bias = true;
  Option<InitializerArg, "kernel_initializer"> kernel_initializer = "glorot_uniform";
  Option<InitializerArg, "bias_initializer"> bias_initializer = "zeros";
  Option<RegularizerArg, "kernel_regularizer"> kernel_regularizer = nullptr;
  Option<RegularizerArg, "bias_regularizer"> bias_regularizer = nullptr;
  Option<ConstraintArg, "kernel_constraint"> kernel_constraint = nullptr;
  Option<ConstraintArg, "bias_constraint"> bias_constraint = nullptr;
  std::string name;  // "" -> "dense", "dense_1", ...
};

template <class T = float>
class Dense : public Layer<T> {
 public:
  // units <= 0 -> ValueError.
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit Dense(I units, DenseOptions options = {})
      : Dense(check::positive("Dense", "units", units), std::move(options), 0) {}
  static std::shared_ptr<Dense> from_config(const Config& config);

  void build(const Shape& input_shape) override;
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  Config get_config() const override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_layers.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;

  std::size_t units() const { return units_; }
  const DenseOptions& options() const { return opt_; }
  // Before build -> ValueError (Layer::built_weight).
  const Variable<T>& kernel() const { return this->built_weight(kernel_, "kernel"); }  // (I, units)
  // (units,); undefined without use_bias.
  const Variable<T>& bias() const { return this->built_weight(bias_, "bias"); }

 protected:
  void check_input(const Tensor<T>& x) const override;

 private:
  Dense(std::size_t units, DenseOptions options, int);
  std::size_t units_;
  DenseOptions opt_;
  Variable<T> kernel_, bias_;
};

extern template class Dense<float>;
extern template class Dense<double>;

}  // namespace loom
