#include "layers/simple_rnn.hpp"

#include "core/config.hpp"
#include "layers/cell_config.hpp"

namespace loom {

template <class T>
SimpleRNN<T>::SimpleRNN(std::shared_ptr<SimpleRNNCell<T>> cell, RNNOptions options, int)
    : RNN<T>(std::move(cell), [&] {
        if (options.name.empty()) options.name = unique_layer_name("simple_rnn");
        return std::move(options);
      }()) {}

template <class T>
Config SimpleRNN<T>::get_config() const {
  Config c = Layer<T>::get_config();
  this->write_rnn_options(c);
  const auto& cell = *simple_rnn_cell();
  config::write_cell_options(c, cell.units(), cell.options());
  return c;
}

template <class T>
std::shared_ptr<SimpleRNN<T>> SimpleRNN<T>::from_config(const Config& c) {
  config::Reader r(c, "SimpleRNN");
  const auto base = config::read_layer_base<T>(r);
  RNNOptions options = RNN<T>::read_rnn_options(r, base.name);
  SimpleRNNCellOptions cell_options;
  const long long units = config::read_cell_options(r, cell_options);
  r.finish();
  return config::finish_layer(std::make_shared<SimpleRNN<T>>(units, std::move(cell_options), std::move(options)), base);
}

template class SimpleRNN<float>;
template class SimpleRNN<double>;

}  // namespace loom
