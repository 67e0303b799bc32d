#pragma once
// RNNCell: one step of a recurrent layer, the contract between cells (SimpleRNNCell, LSTMCell,
// GRUCell, user cells) and the RNN wrapper, as in Keras.
#include <vector>

#include "layers/layer.hpp"

namespace loom {

template <class T>
struct CellOutput {
  Tensor<T> output;
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

  // A cell is stepped by an RNN; calling it as a plain layer throws ValueError.
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
};

extern template class RNNCell<float>;
extern template class RNNCell<double>;

}  // namespace loom
