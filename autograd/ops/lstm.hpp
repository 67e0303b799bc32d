#pragma once
// The fused LSTM sequence op with a hand-written backward (docs/design.md "Measured costs"), in the
// style of gru_sequence: one GEMM projects the inputs of a chunk of timesteps, the recurrent GEMM
// of each step adds into the gates rows, and one elementwise pass per batch row does the gates, the
// cell and the output. The equations are Keras's LSTMCell: gate order i, f, c, o;
// c' = f*c + i*act(x.K_c + h.R_c + b_c), h' = o*act(c'). The RNN wrapper runs an LSTMCell through
// it; the cell's step loop, built from primitive ops, is the oracle it is tested against.
#include <vector>

#include "autograd/ops/rnn_activation.hpp"
#include "core/tensor.hpp"

namespace loom {

template <class T>
struct LstmSequenceOptions {
  RnnActivation activation = RnnActivation::tanh;
  RnnActivation recurrent_activation = RnnActivation::sigmoid;
  // Process t = T-1 .. 0; outputs come back in processing order, as in Keras.
  bool go_backwards = false;
  // (B, T), 1 = use the step, 0 = carry both states (Keras RNN masking); undefined = no mask.
  Tensor<T> mask;
  // Output of a masked step: zeros if true, else the previous output (zeros before the first).
  bool zero_output_for_mask = false;
  // Dropout masks, already scaled, constant over time. Input side: empty, one (B, I) mask
  // (implementation 2) or four (i, f, c, o; implementation 1). Recurrent side: empty, one, or four
  // (B, U) masks applied to the state feeding each gate's recurrent matmul.
  std::vector<Tensor<T>> input_dropout;
  std::vector<Tensor<T>> recurrent_dropout;
};

template <class T>
struct LstmSequenceResult {
  Tensor<T> outputs;  // (B, T, U)
  Tensor<T> h, c;     // (B, U) each: the states after the last processed (unmasked) step
};

// x (B, T, I), h0 and c0 (B, U), kernel (I, 4U), recurrent_kernel (U, 4U), bias (4U,) or
// undefined for no bias. Differentiable in x, h0, c0, kernel, recurrent_kernel and bias; the three
// results belong to one tape record. Bad shapes: ShapeError naming the argument.
template <class T>
LstmSequenceResult<T> lstm_sequence(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& c0,
                                    const Tensor<T>& kernel, const Tensor<T>& recurrent_kernel,
                                    const Tensor<T>& bias, const LstmSequenceOptions<T>& options = {});

extern template LstmSequenceResult<float> lstm_sequence(const Tensor<float>&, const Tensor<float>&,
                                                        const Tensor<float>&, const Tensor<float>&,
                                                        const Tensor<float>&, const Tensor<float>&,
                                                        const LstmSequenceOptions<float>&);
extern template LstmSequenceResult<double> lstm_sequence(
    const Tensor<double>&, const Tensor<double>&, const Tensor<double>&, const Tensor<double>&,
    const Tensor<double>&, const Tensor<double>&, const LstmSequenceOptions<double>&);

}  // namespace loom
