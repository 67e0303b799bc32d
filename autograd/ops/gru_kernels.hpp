#pragma once
// Internal to gru.cpp: the raw forward and backward kernels of the fused GRU sequence op, on
// plain pointers and blas::gemm. gru.cpp validates arguments and talks to the tape.
#include <cstddef>
#include <vector>

#include "autograd/ops/gru.hpp"
#include "core/tensor.hpp"

namespace loom::gru_detail {

// Everything the backward pass needs, and the buffers the forward pass fills. Time-major buffers
// are indexed by processing step s; input-side buffers (x, xp) by input time t.
template <class T>
struct GruState {
  std::size_t B = 0, Tn = 0, I = 0, U = 0;
  bool reset_after = true, go_backwards = false, zero_output_for_mask = false;
  GruActivation act = GruActivation::tanh, ract = GruActivation::sigmoid;
  bool keep = false;  // keep every step's values for backward (else one step's worth)

  Tensor<T> kernel, rkernel;
  // Input fed to the projections, time-major (Tn, B, I): one tensor (x or x*m) or three
  // (x*m_z, x*m_r, x*m_h).
  std::vector<Tensor<T>> xin;
  std::vector<Tensor<T>> in_masks, rec_masks;  // as given: 0, 1 or 3
  const T* mask = nullptr;                     // (B, T) or null
  Tensor<T> mask_t;                            // holds mask alive
  std::vector<T> bias;  // 6U: input bias z,r,h then recurrent bias z,r,h (zeros where absent)

  Tensor<T> states;  // (Tn+1, B, U) when keep, states[s] = state before step s; else (2, B, U)
  Tensor<T> gates;   // (Tn, 3, B, U): z, r, hh (activated); (1, 3, B, U) when !keep
  Tensor<T> aux;     // (Tn, B, U): reset_after ? h.R_h + b_hh : r * h * n_h (input of R_h)
};

// Fills outputs (B, Tn, U) and final state (B, U).
template <class T>
void forward(GruState<T>& st, const T* h0, T* outputs, T* final_state);

struct GruNeeds {
  bool x = false, h0 = false, kernel = false, rkernel = false, bias = false;
};

// Gradients given gY (B, Tn, U) and gH (B, U). Output pointers for unneeded gradients may be null.
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
