#include "layers/simple_rnn.hpp"

namespace loom {

template <class T>
SimpleRNN<T>::SimpleRNN(long units, SimpleRNNCellOptions cell_options, RNNOptions options, std::string name)
    : RNN<T>(std::make_shared<SimpleRNNCell<T>>(units, std::move(cell_options), unique_layer_name("simple_rnn_cell")),
             options, name.empty() ? unique_layer_name("simple_rnn") : std::move(name)) {}

// Keras's SimpleRNN config: the RNN keys plus the cell's, without the cell entry.
template <class T>
Config SimpleRNN<T>::get_config() const {
  Config c = RNN<T>::get_config();
  c.erase("cell");
  for (const auto& [k, v] : this->cell()->get_config())
    if (k != "name" && k != "trainable" && k != "dtype") c[k] = v;
  return c;
}

template class SimpleRNN<float>;
template class SimpleRNN<double>;

}  // namespace loom
