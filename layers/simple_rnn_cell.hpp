#pragma once
// SimpleRNNCell: Keras's fully connected recurrent cell, h' = activation(x·kernel + bias +
// h·recurrent_kernel). Built from primitive ops, so the tape differentiates it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "layers/activations.hpp"
#include "core/checks.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/option_arg.hpp"
#include "layers/regularizers.hpp"
#include "layers/rnn_cell.hpp"
#include "layers/rnn_dropout.hpp"

namespace loom {

// Defaults are Keras 3's.
struct SimpleRNNCellOptions {
  // Each field knows its name, so a bad identifier is reported as "SimpleRNNCell: argument '<field>': ...".
  template <class Arg, FixedString Name>
  using Option = OptionArg<Arg, "SimpleRNNCell", Name>;

  Option<ActivationArg, "activation"> activation = "tanh";
  bool use_bias = true;
  Option<InitializerArg, "kernel_initializer"> kernel_initializer = "glorot_uniform";
  Option<InitializerArg, "recurrent_initializer"> recurrent_initializer = "orthogonal";
  Option<InitializerArg, "bias_initializer"> bias_initializer = "zeros";
  Option<RegularizerArg, "kernel_regularizer"> kernel_regularizer;
  Option<RegularizerArg, "recurrent_regularizer"> recurrent_regularizer;
  Option<RegularizerArg, "bias_regularizer"> bias_regularizer;
  Option<ConstraintArg, "kernel_constraint"> kernel_constraint;
  Option<ConstraintArg, "recurrent_constraint"> recurrent_constraint;
  Option<ConstraintArg, "bias_constraint"> bias_constraint;
  double dropout = 0.0;            // clipped to [0, 1], as Keras does
  double recurrent_dropout = 0.0;  // clipped to [0, 1]
  std::optional<std::uint64_t> seed;  // of the dropout masks
  std::string name;                   // "" -> "simple_rnn_cell", "simple_rnn_cell_1", ...
};

template <class T = float>
class SimpleRNNCell : public RNNCell<T> {
 public:
  // units <= 0 -> ValueError.
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit SimpleRNNCell(I units, SimpleRNNCellOptions options = {})
      : SimpleRNNCell(check::positive("SimpleRNNCell", "units", units), std::move(options), 0) {}
  static std::shared_ptr<SimpleRNNCell> from_config(const Config& config);
  using RNNCell<T>::call;

  std::size_t units() const { return units_; }
  const SimpleRNNCellOptions& options() const { return opt_; }
  std::vector<std::size_t> state_size() const override { return {units_}; }
  std::size_t output_size() const override { return units_; }

  // Weights in Keras order: kernel (I, U), recurrent_kernel (U, U), bias (U,).
  void build(const Shape& input_shape) override;
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states, bool training) override;
  void reset_dropout_masks() override;
  // One layer and direction of torch.nn.RNN (nonlinearity tanh or relu, the cell's activation);
  // ValueError for any other activation. Defined in rnn_cell_hooks.cpp.
  std::optional<TorchCellLayout<T>> torch_layout() const override;
  // One direction of the whole sequence as an ONNX RNN node (the cell's part of RNN's lowering,
  // saving/onnx_lower_cells.cpp).
  void onnx_lowering(OnnxLowering& graph) const override;
  // The masks of the current sequence ({} before its first training step), one per side.
  const std::vector<Tensor<T>>& dropout_masks() const { return input_masks_.masks(); }
  const std::vector<Tensor<T>>& recurrent_dropout_masks() const { return recurrent_masks_.masks(); }
  Config get_config() const override;
  // The dropout generator's position, when the cell drops anything (a resumed fit draws the
  // masks the uninterrupted one would have).
  std::map<std::string, Tensor<T>> extra_state() const override;
  void check_extra_state(const std::map<std::string, Tensor<T>>& state) const override;
  void set_extra_state(const std::map<std::string, Tensor<T>>& state) override;

  // Before build -> ValueError (Layer::built_weight).
  const Variable<T>& kernel() const { return this->built_weight(kernel_, "kernel"); }
  const Variable<T>& recurrent_kernel() const {
    return this->built_weight(recurrent_kernel_, "recurrent_kernel");
  }
  const Variable<T>& bias() const { return this->built_weight(bias_, "bias"); }  // undefined without use_bias

 private:
  SimpleRNNCell(std::size_t units, SimpleRNNCellOptions options, int);
  std::size_t units_;
  SimpleRNNCellOptions opt_;
  Variable<T> kernel_, recurrent_kernel_, bias_;
  Generator generator_;
  DropoutMaskCache<T> input_masks_, recurrent_masks_;
};

extern template class SimpleRNNCell<float>;
extern template class SimpleRNNCell<double>;

}  // namespace loom
