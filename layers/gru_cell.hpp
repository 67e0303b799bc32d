#pragma once
// GRUCell: one step of a Gated Recurrent Unit, argument for argument tf.keras.layers.GRUCell
// (tf.keras 2.x defaults: reset_after=true, sigmoid gates, implementation 2), with the recurrent
// dropout scheme of Keras >= 3.8 (the final blend uses the undropped state). Contract:
// docs/keras_contract.md §1-2. Built from primitive differentiable ops, so it is also the
// oracle that a fused GRU op is tested against.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/random.hpp"
#include "layers/activations.hpp"
#include "core/checks.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/option_arg.hpp"
#include "layers/regularizers.hpp"
#include "layers/rnn_cell.hpp"
#include "layers/rnn_dropout.hpp"

namespace loom {

// Keras's GRUCell keyword arguments, in tf.keras 2.x's order, with its defaults:
// GRUCell<float>(32, {.dropout = 0.2, .reset_after = false}).
struct GRUCellOptions {
  // Each field knows its name, so a bad identifier is reported as "GRUCell: argument '<field>': ...".
  template <class Arg, FixedString Name>
  using Option = OptionArg<Arg, "GRUCell", Name>;

  Option<ActivationArg, "activation"> activation = "tanh";
  Option<ActivationArg, "recurrent_activation"> recurrent_activation = "sigmoid";
  bool use_bias = true;
  Option<InitializerArg, "kernel_initializer"> kernel_initializer = "glorot_uniform";
  Option<InitializerArg, "recurrent_initializer"> recurrent_initializer = "orthogonal";
  Option<InitializerArg, "bias_initializer"> bias_initializer = "zeros";
  Option<RegularizerArg, "kernel_regularizer"> kernel_regularizer = nullptr;
  Option<RegularizerArg, "recurrent_regularizer"> recurrent_regularizer = nullptr;
  Option<RegularizerArg, "bias_regularizer"> bias_regularizer = nullptr;
  Option<ConstraintArg, "kernel_constraint"> kernel_constraint = nullptr;
  Option<ConstraintArg, "recurrent_constraint"> recurrent_constraint = nullptr;
  Option<ConstraintArg, "bias_constraint"> bias_constraint = nullptr;
  // Clipped to [0, 1] as Keras does; a rate of exactly 0 or 1 applies no dropout.
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  // 1: per-gate matmuls and three masks per side; 2: fused matmuls and one input mask. 0 is
  // accepted as Keras's legacy value and behaves as 2. Recurrent dropout forces 1.
  int implementation = 2;
  bool reset_after = true;
  // Seeds the cell's own dropout generator; without one, the generator is seeded from
  // default_generator() at construction (so loom::set_seed makes runs reproducible).
  std::optional<std::uint64_t> seed;
  std::string name;  // "" -> "gru_cell", "gru_cell_1", ...
};

template <class T = float>
class GRUCell : public RNNCell<T> {
 public:
  // Any integer type, so that GRUCell(-1) is a ValueError rather than a huge std::size_t.
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit GRUCell(I units, GRUCellOptions options = {})
      : GRUCell(check::positive("GRUCell", "units", units), std::move(options), Tag{}) {}
  static std::shared_ptr<GRUCell> from_config(const Config& config);

  std::size_t units() const { return units_; }
  const GRUCellOptions& options() const { return opts_; }
  // The effective values: rates after clipping, implementation after the recurrent-dropout rule.
  double dropout() const { return opts_.dropout; }
  double recurrent_dropout() const { return opts_.recurrent_dropout; }
  int implementation() const { return opts_.implementation; }
  bool reset_after() const { return opts_.reset_after; }
  bool use_bias() const { return opts_.use_bias; }

  // Before build -> ValueError (Layer::built_weight).
  const Variable<T>& kernel() const { return this->built_weight(kernel_, "kernel"); }
  const Variable<T>& recurrent_kernel() const {
    return this->built_weight(recurrent_kernel_, "recurrent_kernel");
  }
  const Variable<T>& bias() const { return this->built_weight(bias_, "bias"); }  // undefined without use_bias

  std::vector<std::size_t> state_size() const override { return {units_}; }
  std::size_t output_size() const override { return units_; }
  std::vector<Tensor<T>> get_initial_state(std::size_t batch) const override;

  // input_shape is one step's (batch, features).
  void build(const Shape& input_shape) override;
  using RNNCell<T>::call;
  // One step: x (batch, features), states {h (batch, units)} -> {h', {h'}}. Dropout masks are
  // drawn at the first training step after reset_dropout_masks() and reused until the next reset.
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states,
                     bool training) override;
  void reset_dropout_masks() override;
  // The whole sequence as one gru_sequence op (docs/keras_compat.md, "RNN: fused path"); nullopt
  // for an activation the op lacks. Defined in rnn_cell_hooks.cpp.
  std::optional<SequenceResult<T>> call_sequence(const SequenceCall<T>& call) override;
  // One layer and direction of torch.nn.GRU; ValueError for reset_after=False or activations
  // other than tanh and sigmoid.
  std::optional<TorchCellLayout<T>> torch_layout() const override;
  // One direction of the whole sequence as an ONNX GRU node (the cell's part of RNN's lowering,
  // saving/onnx_lower_cells.cpp).
  void onnx_lowering(OnnxLowering& graph) const override;

  struct DropoutMasks {
    std::vector<Tensor<T>> input;      // (B, I): three for implementation 1, one for 2; or none
    std::vector<Tensor<T>> recurrent;  // (B, U): three (implementation 1 only); or none
  };
  // The masks a step on `batch` samples uses in this sequence: the cached ones, or drawn now in
  // call()'s order (input side first), so a fused sequence op that takes them consumes the
  // generator exactly as the step loop would. A side that does not apply (not training, rate 0 or
  // 1) is empty and draws nothing. Needs a built cell (ValueError otherwise).
  DropoutMasks get_dropout_masks(std::size_t batch, bool training);

  // The masks in use ({} before the first training step of a sequence): three entries for
  // implementation 1, one for implementation 2 (input side only).
  const std::vector<Tensor<T>>& dropout_masks() const { return input_masks_; }
  const std::vector<Tensor<T>>& recurrent_dropout_masks() const { return recurrent_masks_; }

  Config get_config() const override;
  // The dropout generator's position, when the cell drops anything (a resumed fit draws the
  // masks the uninterrupted one would have).
  std::map<std::string, Tensor<T>> extra_state() const override;
  void check_extra_state(const std::map<std::string, Tensor<T>>& state) const override;
  void set_extra_state(const std::map<std::string, Tensor<T>>& state) override;

 protected:
  void check_input(const Tensor<T>& x) const override;

 private:
  struct Tag {};
  GRUCell(std::size_t units, GRUCellOptions options, Tag);

  void check_state(const Tensor<T>& x, const std::vector<Tensor<T>>& states) const;

  std::size_t units_;
  GRUCellOptions opts_;
  Generator generator_;
  Variable<T> kernel_, recurrent_kernel_, bias_;
  DropoutMaskCache<T> input_cache_, recurrent_cache_;
  // Handles to the cached masks of the current sequence, for dropout_masks().
  std::vector<Tensor<T>> input_masks_, recurrent_masks_;
};

extern template class GRUCell<float>;
extern template class GRUCell<double>;

}  // namespace loom
