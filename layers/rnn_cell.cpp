#include "layers/rnn_cell.hpp"

#include "core/errors.hpp"

namespace loom {

template <class T>
std::vector<Tensor<T>> RNNCell<T>::get_initial_state(std::size_t batch) const {
  std::vector<Tensor<T>> out;
  for (std::size_t s : state_size()) out.push_back(Tensor<T>::zeros(Shape{batch, s}));
  return out;
}

template <class T>
Tensor<T> RNNCell<T>::call(const Tensor<T>&, const CallContext<T>&) {
  throw ValueError("RNNCell '" + this->name() +
                   "': a cell expected to be stepped with call(x, states, training) (by an RNN), "
                   "received a plain layer call without states; wrap it in an RNN");
}

template <class T>
std::optional<SequenceResult<T>> RNNCell<T>::call_sequence(const SequenceCall<T>&) {
  return std::nullopt;
}

template <class T>
std::optional<TorchCellLayout<T>> RNNCell<T>::torch_layout() const {
  return std::nullopt;
}

template class RNNCell<float>;
template class RNNCell<double>;

}  // namespace loom
