#pragma once
// SimpleRNN: Keras's SimpleRNN layer, an RNN over a SimpleRNNCell (named "simple_rnn_cell" unless its options name it). The
// cell's options and the RNN's options are given separately, the names in each:
// SimpleRNN(32, {.dropout = 0.2, .name = "my_cell"}, {.return_sequences = true, .name = "my_simple_rnn"}).
// Its config is flat, as Keras's: the RNN's fields and the cell's in one object, no "cell" entry.
#include <concepts>
#include <cstddef>
#include <memory>

#include "layers/simple_rnn_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class SimpleRNN : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell).
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit SimpleRNN(I units, SimpleRNNCellOptions cell_options = {}, RNNOptions options = {})
      : SimpleRNN(std::make_shared<SimpleRNNCell<T>>(units, std::move(cell_options)), std::move(options), 0) {}
  static std::shared_ptr<SimpleRNN> from_config(const Config& config);

  std::shared_ptr<SimpleRNNCell<T>> simple_rnn_cell() const { return std::static_pointer_cast<SimpleRNNCell<T>>(this->cell()); }
  Config get_config() const override;

 private:
  SimpleRNN(std::shared_ptr<SimpleRNNCell<T>> cell, RNNOptions options, int);
};

extern template class SimpleRNN<float>;
extern template class SimpleRNN<double>;

}  // namespace loom
