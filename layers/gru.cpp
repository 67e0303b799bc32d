#include "layers/gru.hpp"

namespace loom {

template <class T>
GRU<T>::GRU(long units, GRUCellOptions cell_options, RNNOptions options, std::string name)
    : RNN<T>(std::make_shared<GRUCell<T>>(units, std::move(cell_options), unique_layer_name("gru_cell")),
             options, name.empty() ? unique_layer_name("gru") : std::move(name)) {}

// Keras's GRU config: the RNN keys plus the cell's, without the cell entry.
template <class T>
Config GRU<T>::get_config() const {
  Config c = RNN<T>::get_config();
  c.erase("cell");
  for (const auto& [k, v] : this->cell()->get_config())
    if (k != "name" && k != "trainable" && k != "dtype") c[k] = v;
  return c;
}

template class GRU<float>;
template class GRU<double>;

}  // namespace loom
