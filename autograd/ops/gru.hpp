#pragma once
// Fused GRU ops with hand-written backward passes (docs/design.md "Measured costs"). gru_sequence runs a whole
// sequence as one tape record: one GEMM projects the inputs of every timestep, the recurrent GEMMs
// run per step into preallocated buffers, and one fused elementwise loop per step does the gates.
// The equations are Keras's (docs/keras_contract.md §1.4, §2, §5): gate order z, r, h, blend
// z*h + (1-z)*hh. The composite GRUCell built from primitive ops is the oracle these are tested
// against.
#include <string_view>
#include <vector>

#include "autograd/ops/rnn_activation.hpp"
#include "core/tensor.hpp"

namespace loom {

template <class T>
struct GruSequenceOptions {
  bool reset_after = true;
  RnnActivation activation = RnnActivation::tanh;
  RnnActivation recurrent_activation = RnnActivation::sigmoid;
  // Process t = T-1 .. 0; outputs come back in processing order, as in Keras.
  bool go_backwards = false;
  // (B, T), 1 = use the step, 0 = carry the state (Keras RNN masking). Undefined = no mask. The
  // mask is indexed by input time, so with go_backwards it is reversed with the input.
  Tensor<T> mask;
  // Output of a masked step: zeros if true, else the previous output (zeros before the first).
  bool zero_output_for_mask = false;
  // Dropout masks, already scaled (values 0 or 1/(1-rate)), constant over time. Input side:
  // empty, one (B, I) mask (implementation 2: x*m feeds every gate) or three (z, r, h;
  // implementation 1). Recurrent side: empty, or three (B, U) masks (z, r, h) applied to the
  // state feeding each recurrent matmul; the final blend uses the undropped state (Keras >= 3.8).
  // One recurrent mask means the same mask for the three gates.
  std::vector<Tensor<T>> input_dropout;
  std::vector<Tensor<T>> recurrent_dropout;
};

template <class T>
struct GruSequenceResult {
  Tensor<T> outputs;  // (B, T, U)
  Tensor<T> state;    // (B, U): the state after the last processed (unmasked) step
};

// x (B, T, I), h0 (B, U), kernel (I, 3U), recurrent_kernel (U, 3U), bias (2, 3U) when reset_after,
// (3U,) otherwise, or undefined for no bias. Differentiable in x, h0, kernel, recurrent_kernel and
// bias; both results belong to one tape record.
template <class T>
GruSequenceResult<T> gru_sequence(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& kernel,
                                  const Tensor<T>& recurrent_kernel, const Tensor<T>& bias,
                                  const GruSequenceOptions<T>& options = {});

template <class T>
struct GruCellOptions {
  bool reset_after = true;
  RnnActivation activation = RnnActivation::tanh;
  RnnActivation recurrent_activation = RnnActivation::sigmoid;
  // As in GruSequenceOptions: scaled dropout masks, input (B, I) x 0/1/3, recurrent (B, U) x 0/1/3.
  std::vector<Tensor<T>> input_dropout;
  std::vector<Tensor<T>> recurrent_dropout;
};

// One GRU step as one tape record: x (B, I), h (B, U), weights as for gru_sequence. Returns the new
// state (B, U), which is also the cell's output. Same kernels as gru_sequence with one timestep.
template <class T>
Tensor<T> gru_cell_step(const Tensor<T>& x, const Tensor<T>& h, const Tensor<T>& kernel,
                        const Tensor<T>& recurrent_kernel, const Tensor<T>& bias,
                        const GruCellOptions<T>& options = {});

extern template Tensor<float> gru_cell_step(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, const GruCellOptions<float>&);
extern template Tensor<double> gru_cell_step(const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, const GruCellOptions<double>&);
extern template GruSequenceResult<float> gru_sequence(const Tensor<float>&, const Tensor<float>&,
                                                      const Tensor<float>&, const Tensor<float>&,
                                                      const Tensor<float>&,
                                                      const GruSequenceOptions<float>&);
extern template GruSequenceResult<double> gru_sequence(const Tensor<double>&,
                                                       const Tensor<double>&,
                                                       const Tensor<double>&,
                                                       const Tensor<double>&,
                                                       const Tensor<double>&,
                                                       const GruSequenceOptions<double>&);

}  // namespace loom
