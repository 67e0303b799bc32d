#pragma once
// GRU: Keras's GRU layer, an RNN over a GRUCell (named "gru_cell"). The cell's options and the
// RNN's options are given separately: GRU<float>(32, {.dropout = 0.2}, {.return_sequences = true}).
#include <memory>
#include <string>

#include "layers/gru_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class GRU : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell). name "" -> "gru", "gru_1", ...
  explicit GRU(long units, GRUCellOptions cell_options = {}, RNNOptions options = {},
               std::string name = "");

  std::shared_ptr<GRUCell<T>> gru_cell() const { return std::static_pointer_cast<GRUCell<T>>(this->cell()); }
  Config get_config() const override;
};

extern template class GRU<float>;
extern template class GRU<double>;

}  // namespace loom
