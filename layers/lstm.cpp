#include "layers/lstm.hpp"

namespace loom {

template <class T>
LSTM<T>::LSTM(long units, LSTMCellOptions cell_options, RNNOptions options, std::string name)
    : RNN<T>(std::make_shared<LSTMCell<T>>(units, std::move(cell_options), unique_layer_name("lstm_cell")),
             options, name.empty() ? unique_layer_name("lstm") : std::move(name)) {}

// Keras's LSTM config: the RNN keys plus the cell's, without the cell entry.
template <class T>
Config LSTM<T>::get_config() const {
  Config c = RNN<T>::get_config();
  c.erase("cell");
  for (const auto& [k, v] : this->cell()->get_config())
    if (k != "name" && k != "trainable" && k != "dtype") c[k] = v;
  return c;
}

template class LSTM<float>;
template class LSTM<double>;

}  // namespace loom
