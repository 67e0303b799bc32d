#pragma once
// Internal to the fused GRU kernels: the forward pass's per-row elementwise work, written once over
// lanes (rnn_lanes.hpp) and compiled for AVX2 in gru_kernels.cpp and for AVX-512 in
// gru_rows_avx512.cpp (gru_isa.hpp), inside the instruction set's namespace like the lanes.
#include <cstddef>

#include "autograd/ops/gru_isa.hpp"
#include "autograd/ops/rnn_lanes.hpp"

namespace loom::gru_detail {
inline namespace LOOM_RNN_ISA {

using A_ = RnnActivation;
// The shared row helpers (rnn_lanes.hpp): lanes, used, kAhead, ahead_row.
using namespace rnn_kernel;

// g is one row of the gates buffer: on entry [xz + hz | xr + hr | xh | h.R_h] (the input projection
// plus the recurrent GEMMs, which add into it in place; biases come separately), on exit
// [z | r | hh | aux].

// `ahead` holds the same rows kAhead batch rows later, for lanes::prefetch.
template <class T>
struct FwdAhead {
  const T *g, *hn, *y;
};

template <A_ A, A_ RA, class T>
inline void fwd_row_reset_after(std::size_t U, T* g, const T* bzr, const T* bx_h, const T* bh_h,
                                const T* h, T* hn, T* y, FwdAhead<T> ahead) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 1>(u, ahead.g, ahead.g + U, ahead.g + 2 * U, ahead.g + 3 * U, ahead.hn,
                          ahead.y);
    const auto z = lanes::act<RA>(io.ld(g + u) + io.ld(bzr + u));
    const auto r = lanes::act<RA>(io.ld(g + U + u) + io.ld(bzr + U + u));
    const auto hp = io.ld(g + 3 * U + u) + io.ld(bh_h + u);
    const auto hh = lanes::act<A>(io.ld(g + 2 * U + u) + io.ld(bx_h + u) + r * hp);
    const auto v = z * io.ld(h + u) + (decltype(z)(T(1)) - z) * hh;
    io.st(g + u, z);
    io.st(g + U + u, r);
    io.st(g + 2 * U + u, hh);
    io.st(g + 3 * U + u, hp);
    io.st(hn + u, v);
    io.st(y + u, v);
  });
}

// reset_after = false, before the candidate's GEMM: z, r and its input aux = r * h (* n_h).
template <A_ RA, class T>
inline void fwd_row_before_a(std::size_t U, T* g, const T* bzr, const T* h, const T* nh,
                             FwdAhead<T> ahead) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 1>(u, ahead.g, ahead.g + U, ahead.g + 2 * U, ahead.g + 3 * U);
    const auto z = lanes::act<RA>(io.ld(g + u) + io.ld(bzr + u));
    const auto r = lanes::act<RA>(io.ld(g + U + u) + io.ld(bzr + U + u));
    io.st(g + u, z);
    io.st(g + U + u, r);
    io.st(g + 3 * U + u, nh ? r * io.ld(h + u) * io.ld(nh + u) : r * io.ld(h + u));
  });
}

// reset_after = false, after it (the GEMM added (r*h).R_h into the xh block): hh = act(that + b_h)
// and the blend.
template <A_ A, class T>
inline void fwd_row_before_b(std::size_t U, T* g, const T* bx_h, const T* h, T* hn, T* y,
                             FwdAhead<T> ahead) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 1>(u, ahead.hn, ahead.y);
    const auto hh = lanes::act<A>(io.ld(g + 2 * U + u) + io.ld(bx_h + u));
    const auto z = io.ld(g + u);
    const auto v = z * io.ld(h + u) + (decltype(z)(T(1)) - z) * hh;
    io.st(g + 2 * U + u, hh);
    io.st(hn + u, v);
    io.st(y + u, v);
  });
}

// One step's rows when reset_after (gru_isa.hpp).
template <A_ A, A_ RA, class T>
inline void fwd_step_rows_reset_after(const FwdStepRows<T>& a) {
  const std::size_t U = a.U, U4 = 4 * U;
  for (std::size_t b = 0; b < a.B; ++b) {
    if (!used(a.mask, b, a.Tn, a.t)) continue;
    const std::size_t ah = ahead_row(b, a.B);
    const FwdAhead<T> ahead{a.Gs + ah * U4, a.Hn + ah * U, a.Y + (ah * a.Tn + a.s) * U};
    fwd_row_reset_after<A, RA>(U, a.Gs + b * U4, a.bzr, a.bx_h, a.bh_h, a.Hp + b * U,
                               a.Hn + b * U, a.Y + (b * a.Tn + a.s) * U, ahead);
  }
}

}  // namespace LOOM_RNN_ISA
}  // namespace loom::gru_detail
