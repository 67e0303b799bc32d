#pragma once
// What a recurrent cell tells the PyTorch layout about itself (RNNCell::torch_layout; the mapping
// is layers/torch_layout.hpp): which torch module it is one layer and direction of, and which of
// its weights are Keras's kernel, recurrent_kernel and bias.
#include "autograd/variable.hpp"

namespace loom {

// The torch module a cell corresponds to.
enum class TorchRNNKind { gru, lstm, rnn_tanh, rnn_relu };

template <class T>
struct TorchCellLayout {
  TorchRNNKind kind = TorchRNNKind::gru;
  // In Keras's layout for `kind` (layers/torch_layout.hpp's table): kernel (I, G·U),
  // recurrent_kernel (U, G·U), bias as the Keras cell has it; bias is an undefined handle for a
  // cell without bias (torch's bias=False).
  Variable<T> kernel, recurrent_kernel, bias;
};

}  // namespace loom
