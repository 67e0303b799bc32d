#pragma once
// GRU: Keras's GRU layer, an RNN over a GRUCell (named "gru_cell" unless its options name it). The
// cell's options and the RNN's options are given separately, the names in each:
// GRU(32, {.dropout = 0.2, .name = "my_cell"}, {.return_sequences = true, .name = "my_gru"}).
// Its config is flat, as Keras's: the RNN's fields and the cell's in one object, no "cell" entry.
#include <concepts>
#include <cstddef>
#include <memory>

#include "layers/gru_cell.hpp"
#include "layers/rnn.hpp"

namespace loom {

template <class T = float>
class GRU : public RNN<T> {
 public:
  // units <= 0 -> ValueError (from the cell).
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  explicit GRU(I units, GRUCellOptions cell_options = {}, RNNOptions options = {})
      : GRU(std::make_shared<GRUCell<T>>(units, std::move(cell_options)), std::move(options), 0) {}
  static std::shared_ptr<GRU> from_config(const Config& config);

  std::shared_ptr<GRUCell<T>> gru_cell() const { return std::static_pointer_cast<GRUCell<T>>(this->cell()); }
  Config get_config() const override;

 private:
  GRU(std::shared_ptr<GRUCell<T>> cell, RNNOptions options, int);
};

extern template class GRU<float>;
extern template class GRU<double>;

}  // namespace loom
