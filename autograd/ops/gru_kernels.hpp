#pragma once
// Internal to gru.cpp: the raw forward and backward kernels of the fused GRU sequence op, on
// plain pointers and blas::gemm. gru.cpp validates arguments and talks to the tape.
#include <cstddef>
#include <vector>

#include "autograd/ops/gru.hpp"
#include "core/tensor.hpp"

namespace loom::gru_detail {

// Everything the backward pass needs, and the buffers the forward pass fills. Per-step buffers are
// indexed by input time t (the step that reads x[:, t]); states by processing step s.
template <class T>
struct GruState {
  std::size_t B = 0, Tn = 0, I = 0, U = 0;
  bool reset_after = true, go_backwards = false, zero_output_for_mask = false;
  RnnActivation act = RnnActivation::tanh, ract = RnnActivation::sigmoid;
  bool keep = false;  // keep every step's states for backward (else two steps' worth)

  Tensor<T> kernel, rkernel;
  // Input fed to the projections, time-major (Tn, B, I): one tensor (x or x*m) or three
  // (x*m_z, x*m_r, x*m_h).
  std::vector<Tensor<T>> xin;
  std::vector<Tensor<T>> in_masks, rec_masks;  // as given: 0, 1 or 3
  const T* mask = nullptr;                     // (B, T) or null
  Tensor<T> mask_t;                            // holds mask alive
  std::vector<T> bias;  // 6U: input bias z,r,h then recurrent bias z,r,h (zeros where absent)

  Tensor<T> states;  // (Tn+1, B, U) when keep, states[s] = state before step s; else (2, B, U)
  // (Tn, B, 4U), rows [z | r | hh | aux] (activated gates; aux = h.R_h + b_hh when reset_after,
  // else r * h * n_h, the input of R_h). The input projection is written into the first 3U
  // columns and each step overwrites its row in place, so no separate projection buffer exists.
  Tensor<T> gates;
};

// How many timesteps the kernels handle as one chunk: the input projection of a chunk is one GEMM
// written just before its steps read it, and the input-side gradients of a chunk are GEMMs run just
// after its steps wrote them, so both are still in L2 (about 1 MiB of gates rows) instead of making
// a round trip through memory, which stalled the elementwise passes at large sizes.
std::size_t gru_chunk_steps(std::size_t B, std::size_t U, std::size_t Tn, std::size_t elem_bytes);

// Fills outputs (B, Tn, U) and final state (B, U).
template <class T>
void forward(GruState<T>& st, const T* h0, T* outputs, T* final_state);

struct GruNeeds {
  bool x = false, h0 = false, kernel = false, rkernel = false, bias = false;
};

// Gradients given gY (B, Tn, U; null when the outputs got no gradient) and gH (B, U). Output
// pointers for unneeded gradients may be null.
// dbias has 6U elements in the layout of GruState::bias.
template <class T>
void backward(const GruState<T>& st, const T* gY, const T* gH, const GruNeeds& needs, T* dx, T* dh0,
              T* dkernel, T* drkernel, T* dbias);

extern template void forward(GruState<float>&, const float*, float*, float*);
extern template void forward(GruState<double>&, const double*, double*, double*);
extern template void backward(const GruState<float>&, const float*, const float*,
                              const GruNeeds&, float*, float*, float*, float*, float*);
extern template void backward(const GruState<double>&, const double*, const double*,
                              const GruNeeds&, double*, double*, double*, double*, double*);

}  // namespace loom::gru_detail
