#pragma once
// RNNCell: one step of a recurrent layer, the contract between cells (SimpleRNNCell, LSTMCell,
// GRUCell, user cells) and the RNN wrapper, as in Keras.
#include <optional>
#include <vector>

#include "layers/layer.hpp"
#include "layers/torch_cell.hpp"

namespace loom {

template <class T>
struct CellOutput {
  Tensor<T> output;
  std::vector<Tensor<T>> states;
};

// What RNN hands a cell that runs a whole sequence at once (RNNCell::call_sequence): the RNN's
// view of the call after its own checks, batch-major whatever its time_major.
template <class T>
struct SequenceCall {
  const Tensor<T>& x;                     // (batch, timesteps, features)
  const std::vector<Tensor<T>>& states;  // one (batch, state_size[i]) per state
  const Tensor<T>& mask;                  // undefined, or (batch, timesteps), nonzero = use the step
  bool go_backwards = false;              // process t = T-1 .. 0
  bool zero_output_for_mask = false;      // a masked step outputs zeros, not the previous output
  bool training = false;
};

template <class T>
struct SequenceResult {
  // (batch, timesteps, output_size): every step's output in processing order, masked steps as
  // the step loop emits them (zeros or the previous output).
  Tensor<T> outputs;
  // The final states, as the step loop leaves them (a masked step keeps the previous states).
  std::vector<Tensor<T>> states;
};

template <class T = float>
class RNNCell : public Layer<T> {
 public:
  using Layer<T>::Layer;
  using Layer<T>::call;

  // One entry per state tensor: its feature size (GRU: {units}; LSTM: {units, units}).
  virtual std::vector<std::size_t> state_size() const = 0;
  virtual std::size_t output_size() const = 0;
  // Zeros of shape (batch, state_size[i]) for every state.
  virtual std::vector<Tensor<T>> get_initial_state(std::size_t batch) const;

  // One step: x is (batch, features), states as from get_initial_state. build() receives the
  // per-step input shape (batch, features) before the first step.
  virtual CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states,
                             bool training) = 0;

  // Dropout masks are drawn once per sequence and reused at every step (Keras
  // DropoutRNNCellMixin). The RNN calls this before and after each sequence.
  virtual void reset_dropout_masks() {}

  // Optional: the whole sequence in one go, typically one fused autograd op, instead of RNN
  // stepping call() over time. nullopt (the default) means "step me"; a cell may also decline a
  // particular call (an activation its op lacks, say). An override must give the step loop's
  // numbers and consume the cell's dropout generator as the steps would: the RNN resets the
  // dropout masks around it exactly as around the loop. RNNOptions::use_fused = false stops the
  // RNN from asking. docs/extending.md, "A fused sequence op".
  virtual std::optional<SequenceResult<T>> call_sequence(const SequenceCall<T>& call);

  // Optional: the cell as one layer and direction of a torch.nn.GRU, LSTM or RNN, for the
  // PyTorch weight layout (layers/torch_layout.hpp, save_weights in torch format). nullopt (the
  // default) means no torch counterpart: the mapping throws NotImplementedError naming the cell.
  // An override throws ValueError, naming the option, for a configuration torch lacks
  // (GRUCell reset_after=False, activations other than torch's). The ONNX lowering follows the
  // same pattern: Layer::onnx_lowering, which a cell overrides to lower one direction of the whole
  // sequence (saving/onnx_lowering.hpp, OnnxRecurrence); the default refuses, naming the cell.
  virtual std::optional<TorchCellLayout<T>> torch_layout() const;
  // The cells this cell runs one after another within a step, in order: StackedRNNCells gives its
  // cells, any other cell itself. Weight-layout mappings (PyTorch, ONNX) read stacks through it.
  virtual std::vector<const RNNCell<T>*> stacked_cells() const { return {this}; }

  // A cell is stepped by an RNN; calling it as a plain layer throws ValueError.
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
};

extern template class RNNCell<float>;
extern template class RNNCell<double>;

}  // namespace loom
