#pragma once
// LSTM: Keras's LSTM layer, an RNN over a LSTMCell (named "lstm_cell"). The cell's options and the
// RNN's options are given separately: LSTM<float>(32, {.dropout = 0.2}, {.return_sequences = true}).
#include <memory>
#include <string>

#include "layers/lstm_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class LSTM : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell). name "" -> "lstm", "lstm_1", ...
  explicit LSTM(long units, LSTMCellOptions cell_options = {}, RNNOptions options = {},
               std::string name = "");

  std::shared_ptr<LSTMCell<T>> lstm_cell() const { return std::static_pointer_cast<LSTMCell<T>>(this->cell()); }
  Config get_config() const override;
};

extern template class LSTM<float>;
extern template class LSTM<double>;

}  // namespace loom
