#pragma once
// LSTM: Keras's LSTM layer, an RNN over a LSTMCell (named "lstm_cell" unless its options name it). The
// cell's options and the RNN's options are given separately, the names in each:
// LSTM(32, {.dropout = 0.2, .name = "my_cell"}, {.return_sequences = true, .name = "my_lstm"}).
// Its config is flat, as Keras's: the RNN's fields and the cell's in one object, no "cell" entry.
#include <concepts>
#include <cstddef>
#include <memory>

#include "layers/lstm_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class LSTM : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell).
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit LSTM(I units, LSTMCellOptions cell_options = {}, RNNOptions options = {})
      : LSTM(std::make_shared<LSTMCell<T>>(units, std::move(cell_options)), std::move(options), 0) {}
  static std::shared_ptr<LSTM> from_config(const Config& config);

  std::shared_ptr<LSTMCell<T>> lstm_cell() const { return std::static_pointer_cast<LSTMCell<T>>(this->cell()); }
  Config get_config() const override;

 private:
  LSTM(std::shared_ptr<LSTMCell<T>> cell, RNNOptions options, int);
};

extern template class LSTM<float>;
extern template class LSTM<double>;

}  // namespace loom
