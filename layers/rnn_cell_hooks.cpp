// The built-in cells' overrides of the RNNCell hooks, kept apart from the cells' step code: the
// whole-sequence hook (call_sequence) runs the fused GRU and LSTM ops, and torch_layout places a
// cell in a torch.nn.GRU / LSTM / RNN (layers/torch_layout.hpp).
#include <optional>
#include <string>

#include "autograd/ops/gru.hpp"
#include "autograd/ops/lstm.hpp"
#include "layers/gru_cell.hpp"
#include "core/errors.hpp"
#include "layers/lstm_cell.hpp"
#include "layers/rnn_fused.hpp"
#include "layers/simple_rnn_cell.hpp"

namespace loom {

namespace {

void require_torch_activations(const std::string& who, const ActivationArg& act, const ActivationArg& rec) {
  if (act.ptr->name() != "tanh" || rec.ptr->name() != "sigmoid")
    throw ValueError(who + ": activation 'tanh' and recurrent_activation 'sigmoid' expected (torch's fixed "
                     "activations), received '" + act.ptr->name() + "' and '" + rec.ptr->name() +
                     "'; such a cell has no PyTorch counterpart");
}

}  // namespace

template <class T>
std::optional<SequenceResult<T>> GRUCell<T>::call_sequence(const SequenceCall<T>& call) {
  GruSequenceOptions<T> fo;
  if (!rnn_detail::fused_options(fo, *this, call)) return std::nullopt;
  fo.reset_after = reset_after();
  const Tensor<T> b = use_bias() ? bias().value() : Tensor<T>();
  auto r = gru_sequence(call.x, call.states[0], kernel().value(), recurrent_kernel().value(), b, fo);
  return SequenceResult<T>{std::move(r.outputs), {std::move(r.state)}};
}

template <class T>
std::optional<SequenceResult<T>> LSTMCell<T>::call_sequence(const SequenceCall<T>& call) {
  LstmSequenceOptions<T> fo;
  if (!rnn_detail::fused_options(fo, *this, call)) return std::nullopt;
  const Tensor<T> b = options().use_bias ? bias().value() : Tensor<T>();
  auto r = lstm_sequence(call.x, call.states[0], call.states[1], kernel().value(), recurrent_kernel().value(), b, fo);
  return SequenceResult<T>{std::move(r.outputs), {std::move(r.h), std::move(r.c)}};
}

template <class T>
std::optional<TorchCellLayout<T>> GRUCell<T>::torch_layout() const {
  if (!reset_after())
    throw ValueError("GRUCell '" + this->name() + "': reset_after=True expected for PyTorch, received "
                     "reset_after=False, which has no PyTorch counterpart (torch.nn.GRU applies the reset gate "
                     "after the recurrent matmul, as Keras's reset_after=True does)");
  require_torch_activations("GRUCell '" + this->name() + "'", options().activation, options().recurrent_activation);
  return TorchCellLayout<T>{TorchRNNKind::gru, kernel_, recurrent_kernel_, bias_};
}

template <class T>
std::optional<TorchCellLayout<T>> LSTMCell<T>::torch_layout() const {
  require_torch_activations("LSTMCell '" + this->name() + "'", options().activation, options().recurrent_activation);
  return TorchCellLayout<T>{TorchRNNKind::lstm, kernel_, recurrent_kernel_, bias_};
}

template <class T>
std::optional<TorchCellLayout<T>> SimpleRNNCell<T>::torch_layout() const {
  const std::string act = options().activation.ptr->name();
  if (act != "tanh" && act != "relu")
    throw ValueError("SimpleRNNCell '" + this->name() + "': activation 'tanh' or 'relu' expected (torch.nn.RNN's "
                     "nonlinearities), received '" + act + "'; such a cell has no PyTorch counterpart");
  return TorchCellLayout<T>{act == "tanh" ? TorchRNNKind::rnn_tanh : TorchRNNKind::rnn_relu, kernel_,
                            recurrent_kernel_, bias_};
}

template std::optional<SequenceResult<float>> GRUCell<float>::call_sequence(const SequenceCall<float>&);
template std::optional<SequenceResult<double>> GRUCell<double>::call_sequence(const SequenceCall<double>&);
template std::optional<SequenceResult<float>> LSTMCell<float>::call_sequence(const SequenceCall<float>&);
template std::optional<SequenceResult<double>> LSTMCell<double>::call_sequence(const SequenceCall<double>&);
#define LOOM_INSTANTIATE_TORCH_HOOKS(T)                                                \
  template std::optional<TorchCellLayout<T>> GRUCell<T>::torch_layout() const;       \
  template std::optional<TorchCellLayout<T>> LSTMCell<T>::torch_layout() const;      \
  template std::optional<TorchCellLayout<T>> SimpleRNNCell<T>::torch_layout() const;
LOOM_INSTANTIATE_TORCH_HOOKS(float)
LOOM_INSTANTIATE_TORCH_HOOKS(double)
#undef LOOM_INSTANTIATE_TORCH_HOOKS

}  // namespace loom
