#include "layers/lstm.hpp"

#include "core/config.hpp"
#include "layers/cell_config.hpp"

namespace loom {

template <class T>
LSTM<T>::LSTM(std::shared_ptr<LSTMCell<T>> cell, RNNOptions options, int)
    : RNN<T>(std::move(cell), [&] {
        if (options.name.empty()) options.name = unique_layer_name("lstm");
        return std::move(options);
      }()) {}

template <class T>
Config LSTM<T>::get_config() const {
  Config c = Layer<T>::get_config();
  this->write_rnn_options(c);
  const auto& cell = *lstm_cell();
  config::write_cell_options(c, cell.units(), cell.options());
  return c;
}

template <class T>
std::shared_ptr<LSTM<T>> LSTM<T>::from_config(const Config& c) {
  config::Reader r(c, "LSTM");
  const auto base = config::read_layer_base<T>(r);
  RNNOptions options = RNN<T>::read_rnn_options(r, base.name);
  LSTMCellOptions cell_options;
  const long long units = config::read_cell_options(r, cell_options);
  r.finish();
  return config::finish_layer(std::make_shared<LSTM<T>>(units, std::move(cell_options), std::move(options)), base);
}

template class LSTM<float>;
template class LSTM<double>;

}  // namespace loom
