#pragma once
// minimal_rnn_sequence: MinimalRNNCell's whole sequence as ONE autograd op with a hand-written
// backward (backpropagation through time in plain loops), the way loom's own fused GRU and LSTM
// ops are written. MinimalRNNCell::call_sequence hands it to loom::RNN, which then runs it instead
// of stepping the cell; the step loop stays the oracle it is checked against (main.cpp).
#include "core/tensor.hpp"

namespace custom {

template <class T>
struct MinimalRNNSequenceResult {
  loom::Tensor<T> outputs;  // (B, T, U): every step's state, in processing order
  loom::Tensor<T> state;    // (B, U): the state after the last step
};

// x (B, T, I), h0 (B, U), kernel (I, U), input_bias (U), recurrent_kernel (U, U), gate_kernel
// (U, U), gate_bias (U). go_backwards processes t = T-1 .. 0. Differentiable in every argument;
// both results belong to one tape record. Bad shapes throw loom::ShapeError naming the argument.
template <class T>
MinimalRNNSequenceResult<T> minimal_rnn_sequence(const loom::Tensor<T>& x, const loom::Tensor<T>& h0,
                                                 const loom::Tensor<T>& kernel, const loom::Tensor<T>& input_bias,
                                                 const loom::Tensor<T>& recurrent_kernel,
                                                 const loom::Tensor<T>& gate_kernel, const loom::Tensor<T>& gate_bias,
                                                 bool go_backwards = false);

}  // namespace custom
