#pragma once
// SimpleRNN: Keras's SimpleRNN layer, an RNN over a SimpleRNNCell (named "simple_rnn_cell"). The cell's options and the
// RNN's options are given separately: SimpleRNN<float>(32, {.dropout = 0.2}, {.return_sequences = true}).
#include <memory>
#include <string>

#include "layers/simple_rnn_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class SimpleRNN : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell). name "" -> "simple_rnn", "simple_rnn_1", ...
  explicit SimpleRNN(long units, SimpleRNNCellOptions cell_options = {}, RNNOptions options = {},
               std::string name = "");

  std::shared_ptr<SimpleRNNCell<T>> simple_rnn_cell() const { return std::static_pointer_cast<SimpleRNNCell<T>>(this->cell()); }
  Config get_config() const override;
};

extern template class SimpleRNN<float>;
extern template class SimpleRNN<double>;

}  // namespace loom
