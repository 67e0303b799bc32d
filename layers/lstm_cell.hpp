#pragma once
// LSTMCell: Keras's long short-term memory cell. Gate order in every 4U axis is i, f, c, o; the
// states are {h, c}; the output is h. Built from primitive ops, so the tape differentiates it.
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
struct LSTMCellOptions {
  // Each field knows its name, so a bad identifier is reported as "LSTMCell: argument '<field>': ...".
  template <class Arg, FixedString Name>
  using Option = OptionArg<Arg, "LSTMCell", Name>;

  Option<ActivationArg, "activation"> activation = "tanh";
  Option<ActivationArg, "recurrent_activation"> recurrent_activation = "sigmoid";
  bool use_bias = true;
  Option<InitializerArg, "kernel_initializer"> kernel_initializer = "glorot_uniform";
  Option<InitializerArg, "recurrent_initializer"> recurrent_initializer = "orthogonal";
  Option<InitializerArg, "bias_initializer"> bias_initializer = "zeros";
  // The forget-gate block of the bias starts at 1 (the other blocks use bias_initializer).
  bool unit_forget_bias = true;
  Option<RegularizerArg, "kernel_regularizer"> kernel_regularizer;
  Option<RegularizerArg, "recurrent_regularizer"> recurrent_regularizer;
  Option<RegularizerArg, "bias_regularizer"> bias_regularizer;
  Option<ConstraintArg, "kernel_constraint"> kernel_constraint;
  Option<ConstraintArg, "recurrent_constraint"> recurrent_constraint;
  Option<ConstraintArg, "bias_constraint"> bias_constraint;
  double dropout = 0.0;            // clipped to [0, 1], as Keras does
  double recurrent_dropout = 0.0;  // clipped to [0, 1]; nonzero forces implementation 1
  // 1: per-gate matmuls and four independent dropout masks per side; 2 (0, Keras's legacy value,
  // behaves as 2): one fused matmul per side and one input mask. Same numbers in exact
  // arithmetic. Other values -> ValueError.
  int implementation = 2;
  std::optional<std::uint64_t> seed;  // of the dropout masks
  std::string name;                   // "" -> "lstm_cell", "lstm_cell_1", ...
};

template <class T = float>
class LSTMCell : public RNNCell<T> {
 public:
  // units <= 0 -> ValueError.
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit LSTMCell(I units, LSTMCellOptions options = {})
      : LSTMCell(check::positive("LSTMCell", "units", units), std::move(options), 0) {}
  static std::shared_ptr<LSTMCell> from_config(const Config& config);
  using RNNCell<T>::call;

  std::size_t units() const { return units_; }
  const LSTMCellOptions& options() const { return opt_; }
  // The implementation in use (1 when recurrent_dropout forced it).
  int implementation() const { return opt_.implementation; }
  std::vector<std::size_t> state_size() const override { return {units_, units_}; }
  std::size_t output_size() const override { return units_; }

  // Weights in Keras order: kernel (I, 4U), recurrent_kernel (U, 4U), bias (4U,).
  void build(const Shape& input_shape) override;
  // states = {h, c}; returns h and {h', c'}.
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states, bool training) override;
  void reset_dropout_masks() override;
  // The whole sequence as one lstm_sequence op (docs/keras_compat.md, "RNN: fused path"); nullopt
  // for an activation the op lacks. Defined in rnn_cell_hooks.cpp.
  std::optional<SequenceResult<T>> call_sequence(const SequenceCall<T>& call) override;
  // One layer and direction of torch.nn.LSTM; ValueError for activations other than tanh and
  // sigmoid.
  std::optional<TorchCellLayout<T>> torch_layout() const override;
  // One direction of the whole sequence as an ONNX LSTM node (the cell's part of RNN's lowering,
  // saving/onnx_lower_cells.cpp).
  void onnx_lowering(OnnxLowering& graph) const override;

  struct DropoutMasks {
    std::vector<Tensor<T>> input;      // (B, I): four for implementation 1, one for 2; or none
    std::vector<Tensor<T>> recurrent;  // (B, U): four (implementation 1 only); or none
  };
  // The masks a step on `batch` samples uses in this sequence: the cached ones, or drawn now in
  // call()'s order (input side first), so that the fused sequence op consumes the generator
  // exactly as the step loop would. A side that does not apply (not training, rate 0 or 1) is
  // empty and draws nothing. Needs a built cell (ValueError otherwise).
  DropoutMasks get_dropout_masks(std::size_t batch, bool training);
  // The masks of the current sequence ({} before its first training step): four per side with
  // implementation 1, one input mask with implementation 2.
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
  LSTMCell(std::size_t units, LSTMCellOptions options, int);
  std::size_t units_;
  LSTMCellOptions opt_;
  Variable<T> kernel_, recurrent_kernel_, bias_;
  Generator generator_;
  DropoutMaskCache<T> input_masks_, recurrent_masks_;
};

extern template class LSTMCell<float>;
extern template class LSTMCell<double>;

}  // namespace loom
