#pragma once
// MinimalRNNCell: a recurrent cell defined outside the library (Chen 2017, "MinimalRNN"):
//   z  = lecun_tanh(x W + b_z)                 the input, mapped into the state's space
//   u  = sigmoid(h U_h + z U_z + b_u)          how much of the old state to keep
//   h' = u * h + (1 - u) * z
// It derives from loom::RNNCell, so loom::RNN steps it like any built-in cell (masking,
// go_backwards, stateful, return_sequences all work), and its weights are declared with
// add_weight, so fit, save_weights and regularization losses see them. It also overrides the
// whole-sequence hook, call_sequence, with its own fused op (minimal_rnn_sequence.hpp), so an RNN
// over it runs one op per call instead of one small graph per step, as loom's GRU and LSTM do.
#include <memory>
#include <optional>
#include <string>

#include "layers/initializers.hpp"
#include "layers/regularizers.hpp"
#include "layers/rnn_cell.hpp"

namespace custom {

// Options in the Keras style: designated initializers, identifiers or objects.
struct MinimalRNNCellOptions {
  loom::InitializerArg kernel_initializer = "glorot_uniform";
  loom::InitializerArg recurrent_initializer = "orthogonal";
  loom::InitializerArg gate_initializer = "glorot_uniform";
  loom::RegularizerArg recurrent_regularizer = nullptr;
  std::string name;  // "" -> "minimal_rnn_cell", "minimal_rnn_cell_1", ...
};

// Registers MinimalRNNCell, FanInUniform and Orthogonality with loom's registries (as Keras's
// register_keras_serializable), so that configs of models using them rebuild: Bidirectional's
// backward copy, clone() and whole-model files need that. Call once, before such a use.
void register_classes();

template <class T = float>
class MinimalRNNCell : public loom::RNNCell<T> {
 public:
  explicit MinimalRNNCell(long units, MinimalRNNCellOptions options = {});
  // Keras's pair: the options as JSON, and the cell rebuilt from them.
  static std::shared_ptr<MinimalRNNCell> from_config(const loom::Config& config);
  using loom::RNNCell<T>::call;

  std::vector<std::size_t> state_size() const override { return {units_}; }
  std::size_t output_size() const override { return units_; }
  // input_shape is one step's (batch, features).
  void build(const loom::Shape& input_shape) override;
  loom::CellOutput<T> call(const loom::Tensor<T>& x, const std::vector<loom::Tensor<T>>& states,
                           bool training) override;
  // The whole sequence as one minimal_rnn_sequence op. Declines (nullopt: RNN steps call()) a call
  // with a mask, which the op does not implement.
  std::optional<loom::SequenceResult<T>> call_sequence(const loom::SequenceCall<T>& call) override;
  loom::Config get_config() const override;

  // How many sequences call_sequence ran fused (so a caller can see the fused op was used).
  std::size_t fused_calls() const { return fused_calls_; }

 private:
  std::size_t units_;
  MinimalRNNCellOptions opt_;
  loom::Variable<T> kernel_, input_bias_, recurrent_kernel_, gate_kernel_, gate_bias_;
  std::size_t fused_calls_ = 0;
};

extern template class MinimalRNNCell<float>;
extern template class MinimalRNNCell<double>;

}  // namespace custom
