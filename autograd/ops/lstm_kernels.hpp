#pragma once
// Internal to lstm.cpp: the raw forward and backward kernels of the fused LSTM sequence op, on
// plain pointers and blas::gemm. lstm.cpp validates arguments and talks to the tape.
#include <cstddef>
#include <vector>

#include "autograd/ops/lstm.hpp"
#include "core/tensor.hpp"

namespace loom::lstm_detail {

// Everything the backward pass needs, and the buffers the forward pass fills. Per-step buffers are
// indexed by input time t (the step that reads x[:, t]); states by processing step s.
template <class T>
struct LstmState {
  std::size_t B = 0, Tn = 0, I = 0, U = 0;
  bool go_backwards = false, zero_output_for_mask = false;
  RnnActivation act = RnnActivation::tanh, ract = RnnActivation::sigmoid;
  bool keep = false;  // keep every step's states for backward (else two steps' worth)

  Tensor<T> kernel, rkernel;
  // Input fed to the projections, time-major (Tn, B, I): one tensor (x or x*m) or four.
  std::vector<Tensor<T>> xin;
  std::vector<Tensor<T>> in_masks, rec_masks;  // as given: 0, 1 or 4
  const T* mask = nullptr;                     // (B, T) or null
  Tensor<T> mask_t;                            // holds mask alive
  std::vector<T> bias;                         // 4U (zeros when absent)

  // (Tn+1, B, U) when keep: hs[s], cs[s] = states before step s; else (2, B, U).
  Tensor<T> hs, cs;
  // (Tn, B, 5U), rows [i | f | g | o | act(c')]: the activated gates and the activated new cell,
  // which the backward needs and would otherwise recompute. The input projection is written into
  // the first 4U columns and each step overwrites its row in place.
  Tensor<T> gates;
};

// Fills outputs (B, Tn, U) and the final states (B, U).
template <class T>
void forward(LstmState<T>& st, const T* h0, const T* c0, T* outputs, T* h_final, T* c_final);

struct LstmNeeds {
  bool x = false, h0 = false, c0 = false, kernel = false, rkernel = false, bias = false;
};

// Gradients given gY (B, Tn, U; null when the outputs got no gradient), gH and gC (B, U; null
// when absent). Output pointers for unneeded gradients may be null.
template <class T>
void backward(const LstmState<T>& st, const T* gY, const T* gH, const T* gC, const LstmNeeds& needs,
              T* dx, T* dh0, T* dc0, T* dkernel, T* drkernel, T* dbias);

extern template void forward(LstmState<float>&, const float*, const float*, float*, float*, float*);
extern template void forward(LstmState<double>&, const double*, const double*, double*, double*,
                             double*);
extern template void backward(const LstmState<float>&, const float*, const float*, const float*,
                              const LstmNeeds&, float*, float*, float*, float*, float*, float*);
extern template void backward(const LstmState<double>&, const double*, const double*,
                              const double*, const LstmNeeds&, double*, double*, double*, double*,
                              double*, double*);

}  // namespace loom::lstm_detail
