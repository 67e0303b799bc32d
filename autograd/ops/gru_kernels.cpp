// The fused GRU sequence kernels. Layout decisions, all for speed (docs/design.md "Measured costs";
// figures in docs/benchmarks.md):
// - the input projection of every timestep is one GEMM, written straight into the gates buffer
//   (rows [z | r | hh | aux], time-major); each step's recurrent GEMMs add h.R_z and h.R_r into
//   its z and r blocks (beta = 1) and write h.R_h to aux, and its row pass overwrites the row in
//   place: one array stream per step instead of projection, h.R and gates buffers;
// - the row passes prefetch the rows two batch rows ahead (lanes::prefetch);
// - each step's elementwise work is one pass per batch row (gates, activations, candidate, blend),
//   on xsimd vectors in float (rnn_lanes.hpp): at large sizes the step is bound by memory traffic,
//   not arithmetic, so separate passes cost more than the transcendental functions; the forward
//   rows of tanh/sigmoid run in AVX-512 when the CPU has it (gru_isa.hpp, gru_rows.hpp);
// - the backward writes one row of pre-activation gradients per (t, b): [daz | dar | dah*r | dah]
//   when reset_after ([daz | dar | dah] otherwise). The recurrent GEMMs read its first 3U columns
//   and the input-side GEMMs (dkernel, dx) the z/r and h blocks, so the z and r gradients, equal
//   on both sides, are written once;
// - drecurrent_kernel accumulates per step with beta = 1 and the bias gradients are summed in the
//   row pass (reset_after) or while the step's rows are still in cache;
// - a gradient that does not reach the outputs (loss on the final state only) is not read.
#include "autograd/ops/gru_kernels.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "autograd/ops/gru_isa.hpp"
#include "autograd/ops/gru_rows.hpp"
#include "autograd/ops/rnn_kernel_util.hpp"
#include "core/blas.hpp"

namespace loom::gru_detail {
namespace {

using namespace rnn_kernel;

// Column offsets in a row of the backward's gradient buffer D.
struct DLayout {
  std::size_t width;  // 4U (reset_after) or 3U
  std::size_t h_in;   // column of dah, the candidate's input-side gradient
  DLayout(std::size_t U, bool reset_after)
      : width(reset_after ? 4 * U : 3 * U), h_in(reset_after ? 3 * U : 2 * U) {}
};

// ---- backward rows ---------------------------------------------------------------------------
// The gradient reaching the new state is gy (the output's) + dc (carried from the next output
// under a mask) + dh (the next step's); absent terms point at a row of zeros.

// `ahead_g`, `ahead_h` and `ahead_d` are the gates, state and gradient rows kAhead batch rows
// later. `bs`, when not null, accumulates the row's gradients (the bias gradients' column sums)
// while they are in registers, instead of in a second pass over D.
template <A_ A, A_ RA, class T>
inline void bwd_row_reset_after(std::size_t U, const T* gy, const T* dc, const T* dh, const T* g,
                                const T* h, T* d, T* dhn, const T* ahead_g, const T* ahead_h,
                                const T* ahead_d, T* bs) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 0>(u, ahead_g, ahead_g + U, ahead_g + 2 * U, ahead_g + 3 * U, ahead_h);
    lanes::prefetch<T, 1>(u, ahead_d, ahead_d + U, ahead_d + 2 * U, ahead_d + 3 * U);
    using V = std::decay_t<decltype(io.ld(g))>;
    const V gr = io.ld(gy + u) + io.ld(dc + u) + io.ld(dh + u);
    const V z = io.ld(g + u), r = io.ld(g + U + u), hh = io.ld(g + 2 * U + u);
    const V hp = io.ld(g + 3 * U + u);
    const V dz = gr * (io.ld(h + u) - hh);
    const V dah = gr * (V(T(1)) - z) * lanes::dact<A>(hh);
    const V daz = dz * lanes::dact<RA>(z);
    const V dar = dah * hp * lanes::dact<RA>(r);
    io.st(d + u, daz);
    io.st(d + U + u, dar);
    io.st(d + 2 * U + u, dah * r);
    io.st(d + 3 * U + u, dah);
    if (bs) {
      io.st(bs + u, io.ld(bs + u) + daz);
      io.st(bs + U + u, io.ld(bs + U + u) + dar);
      io.st(bs + 2 * U + u, io.ld(bs + 2 * U + u) + dah * r);
      io.st(bs + 3 * U + u, io.ld(bs + 3 * U + u) + dah);
    }
    io.st(dhn + u, gr * z);
  });
}

// reset_after = false, first half: everything but the reset gate, whose gradient needs
// dq = dah . R_h^T (a GEMM) first.
template <A_ A, A_ RA, class T>
inline void bwd_row_before_a(std::size_t U, const T* gy, const T* dc, const T* dh, const T* g,
                             const T* h, T* d, T* dhn, const T* ahead_g, const T* ahead_h,
                             const T* ahead_d) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 0>(u, ahead_g, ahead_g + U, ahead_g + 2 * U, ahead_g + 3 * U, ahead_h);
    lanes::prefetch<T, 1>(u, ahead_d, ahead_d + U, ahead_d + 2 * U);
    using V = std::decay_t<decltype(io.ld(g))>;
    const V gr = io.ld(gy + u) + io.ld(dc + u) + io.ld(dh + u);
    const V z = io.ld(g + u), hh = io.ld(g + 2 * U + u);
    io.st(d + u, gr * (io.ld(h + u) - hh) * lanes::dact<RA>(z));
    io.st(d + 2 * U + u, gr * (V(T(1)) - z) * lanes::dact<A>(hh));
    io.st(dhn + u, gr * z);
  });
}

// reset_after = false, second half: the reset gate and dq's share of dh. n is the candidate's
// recurrent dropout mask (a row of ones without dropout).
template <A_ RA, class T>
inline void bwd_row_before_b(std::size_t U, const T* g, const T* h, const T* dq, const T* n, T* d,
                             T* dhn) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    const auto dqn = io.ld(dq + u) * io.ld(n + u);
    const auto r = io.ld(g + U + u);
    io.st(d + U + u, dqn * io.ld(h + u) * lanes::dact<RA>(r));
    io.st(dhn + u, io.ld(dhn + u) + dqn * r);
  });
}

// The recurrent GEMMs of a step's gates rows Gs: h.R_z and h.R_r are added into the z and r blocks
// (beta = 1: no separate h.R buffer to write, read back and zero first), and, when reset_after,
// h.R_h goes to the aux block (it is multiplied by r, so it cannot join xh). One GEMM per block
// group, or one per gate over h * mask_g under recurrent dropout.
template <class T>
void recurrent_gemms(const GruState<T>& st, const T* Hp, T* Gs, T* tmp) {
  const std::size_t B = st.B, U = st.U, U3 = 3 * U, U4 = 4 * U;
  const T* R = st.rkernel.data();
  if (st.rec_masks.empty()) {
    gemm<T>(false, false, B, 2 * U, U, Hp, U, R, U3, T(1), Gs, U4);
    if (st.reset_after) gemm<T>(false, false, B, U, U, Hp, U, R + 2 * U, U3, T(0), Gs + U3, U4);
    return;
  }
  for (std::size_t g = 0; g < (st.reset_after ? 3u : 2u); ++g) {
    multiply(tmp, Hp, mask_of(st.rec_masks, g), B * U);
    gemm<T>(false, false, B, U, U, tmp, U, R + g * U, U3, g < 2 ? T(1) : T(0),
            Gs + (g < 2 ? g * U : U3), U4);
  }
}

// The input-side blocks of D: (column in D, column in kernel, width, which xin/in_mask).
struct InBlock {
  std::size_t dcol, kcol, width, g;
};
std::vector<InBlock> input_blocks(std::size_t U, bool reset_after, std::size_t n_inputs) {
  const DLayout L(U, reset_after);
  if (n_inputs == 3) return {{0, 0, U, 0}, {U, U, U, 1}, {L.h_in, 2 * U, U, 2}};
  if (reset_after) return {{0, 0, 2 * U, 0}, {L.h_in, 2 * U, U, 0}};
  return {{0, 0, 3 * U, 0}};
}

template <class T>
std::size_t chunk_steps(std::size_t B, std::size_t U, std::size_t Tn) {
  return gru_chunk_steps(B, U, Tn, sizeof(T));
}

}  // namespace

template <class T>
void forward(GruState<T>& st, const T* h0, T* Y, T* hfinal) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U3 = 3 * U, U4 = 4 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();

  // Gates rows are time-major (row t*B + b) like xin; the input projection of each chunk of steps
  // goes into their first 3U columns.
  st.gates = Tensor<T>::empty({Tn, B, U4});
  T* G = st.gates.data();
  const std::size_t C = chunk_steps<T>(B, U, Tn);
  auto project = [&](std::size_t s0) {
    const std::size_t n = std::min(C, Tn - s0);
    const std::size_t r0 = first_time(s0, s0 + n, Tn, st.go_backwards) * B;
    if (st.xin.size() == 1) {
      gemm<T>(false, false, n * B, U3, I, st.xin[0].data() + r0 * I, I, K, U3, T(0), G + r0 * U4,
              U4);
    } else {
      for (std::size_t g = 0; g < 3; ++g)
        gemm<T>(false, false, n * B, U, I, st.xin[g].data() + r0 * I, I, K + g * U, U3, T(0),
                G + r0 * U4 + g * U, U4);
    }
  };

  st.states = Tensor<T>::empty({st.keep ? Tn + 1 : 2, B, U});
  std::copy(h0, h0 + BU, st.states.data());
  Tensor<T> tmp_t;
  if (!st.rec_masks.empty()) tmp_t = Tensor<T>::empty({B, U});
  T* tmp = tmp_t.defined() ? tmp_t.data() : nullptr;

  const T* bx = st.bias.data();
  const T* bh = bx + U3;
  std::vector<T> bzr(2 * U);
  for (std::size_t u = 0; u < 2 * U; ++u) bzr[u] = bx[u] + bh[u];

  T* Hn = nullptr;
  const bool avx512 = std::is_same_v<T, float> && row_isa() == RowIsa::avx512;
  with_acts(st.act, st.ract, [&](auto A, auto RA) {
    constexpr A_ a = A.value, ra = RA.value;
    for (std::size_t s = 0; s < Tn; ++s) {
      if (s % C == 0) project(s);
      const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
      const T* Hp = st.states.data() + (st.keep ? s : s % 2) * BU;
      Hn = st.states.data() + (st.keep ? s + 1 : (s + 1) % 2) * BU;
      T* Gs = G + t * B * U4;
      auto ahead = [&](std::size_t b) {
        const std::size_t a = ahead_row(b, B);
        return FwdAhead<T>{Gs + a * U4, Hn + a * U, Y + (a * Tn + s) * U};
      };
      if (st.reset_after) {
        recurrent_gemms(st, Hp, Gs, tmp);
        const FwdStepRows<T> rows{B, U, Tn, s, t, Gs, bzr.data(), bx + 2 * U, bh + 2 * U, Hp, Hn,
                                  Y, st.mask};
        if constexpr (std::is_same_v<T, float> && a == A_::tanh && ra == A_::sigmoid) {
          if (avx512) fwd_step_rows_avx512_for(rows);
          else fwd_step_rows_reset_after<a, ra>(rows);
        } else {
          fwd_step_rows_reset_after<a, ra>(rows);
        }
      } else {
        recurrent_gemms(st, Hp, Gs, tmp);
        const T* nh = mask_of(st.rec_masks, 2);
        // Every row, masked or not: the candidate's GEMM reads all of aux.
        for (std::size_t b = 0; b < B; ++b)
          fwd_row_before_a<ra>(U, Gs + b * U4, bzr.data(), Hp + b * U, nh ? nh + b * U : nullptr,
                               ahead(b));
        gemm<T>(false, false, B, U, U, Gs + U3, U4, R + 2 * U, U3, T(1), Gs + 2 * U, U4);
        for (std::size_t b = 0; b < B; ++b) {
          T* y = Y + (b * Tn + s) * U;
          if (used(st.mask, b, Tn, t))
            fwd_row_before_b<a>(U, Gs + b * U4, bx + 2 * U, Hp + b * U, Hn + b * U, y, ahead(b));
        }
      }
      // Masked rows keep the state; the output repeats the last one (or is zero).
      for (std::size_t b = 0; b < B; ++b) {
        if (used(st.mask, b, Tn, t)) continue;
        const std::size_t o = b * U;
        T* y = Y + (b * Tn + s) * U;
        std::copy(Hp + o, Hp + o + U, Hn + o);
        if (st.zero_output_for_mask || s == 0)
          std::fill(y, y + U, T(0));
        else
          std::copy(y - U, y, y);
      }
    }
  });
  std::copy(Hn, Hn + BU, hfinal);
}

template <class T>
void backward(const GruState<T>& st, const T* gY, const T* gH, const GruNeeds& needs, T* dx,
              T* dh0, T* dK, T* dR, T* db) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U3 = 3 * U, U4 = 4 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();
  const T* G = st.gates.data();
  const DLayout L(U, st.reset_after);
  const std::size_t W = L.width;

  // D holds one chunk of steps, time-major by input time like gates: its input-side GEMMs run
  // when the chunk is done.
  const std::size_t C = chunk_steps<T>(B, U, Tn);
  auto d_t = Tensor<T>::empty({C * B, W});
  T* D = d_t.data();
  Tensor<T> part_t;
  if (needs.x) part_t = Tensor<T>::empty({C * B, I});
  const auto blocks = input_blocks(U, st.reset_after, st.xin.size() == 3 ? 3 : 1);
  bool first_flush = true;
  // dkernel += x^T.D and dx = D.kernel^T for input times [t0, t0 + n).
  auto flush = [&](std::size_t t0, std::size_t n) {
    const std::size_t rows = n * B, r0 = t0 * B;
    if (needs.kernel) {
      for (const auto& blk : blocks)
        gemm<T>(true, false, I, blk.width, rows, st.xin[blk.g].data() + r0 * I, I, D + blk.dcol,
                W, first_flush ? T(0) : T(1), dK + blk.kcol, U3);
    }
    first_flush = false;
    if (!needs.x) return;
    // dx is (B, Tn, I). Each gate's share is multiplied by its input mask.
    T* part = part_t.data();
    const bool per_gate = st.in_masks.size() == 3;
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      const auto& blk = blocks[k];
      const bool first_of_part = per_gate || k == 0;
      gemm<T>(false, true, rows, I, blk.width, D + blk.dcol, W, K + blk.kcol, U3,
              first_of_part ? T(0) : T(1), part, I);
      if (!per_gate && k + 1 < blocks.size()) continue;  // the part is not complete yet
      const std::size_t g = per_gate ? blk.g : 0;
      const T* m = st.in_masks.empty() ? nullptr : st.in_masks[g].data();
      for (std::size_t tt = 0; tt < n; ++tt)
        for (std::size_t b = 0; b < B; ++b) {
          T* o = dx + (b * Tn + t0 + tt) * I;
          const T* p = part + (tt * B + b) * I;
          if (m == nullptr)
            std::copy(p, p + I, o);
          else if (g == 0)
            multiply(o, p, m + b * I, I);
          else
            for (std::size_t i = 0; i < I; ++i) o[i] += p[i] * m[b * I + i];
        }
    }
  };
  auto work = Tensor<T>::zeros({6, B, U});
  T* dH = work.data();
  T* dHn = dH + BU;
  T* dYc = dH + 2 * BU;
  T* DQ = dH + 3 * BU;
  T* tmp = dH + 4 * BU;
  const T* zero_row = dH + 5 * BU;  // stays zero
  std::copy(gH, gH + BU, dH);
  std::vector<T> ones;
  const T* nh = mask_of(st.rec_masks, 2);
  if (!st.reset_after && nh == nullptr) {
    ones.assign(BU, T(1));
    nh = ones.data();
  }
  const bool carry = st.mask != nullptr && !st.zero_output_for_mask;
  std::vector<T> bias_sums(needs.bias ? W : 0, T(0));
  // reset_after sums its bias gradients inside the row pass; the two-part rows of reset_after =
  // false keep the separate pass, and so do short rows, where the sums' masked tail loads and
  // stores cost more than the pass (S, 4 units: a 20% slower step).
  const bool fold_bias = needs.bias && st.reset_after && U >= 64;

  with_acts(st.act, st.ract, [&](auto A, auto RA) {
    constexpr A_ a = A.value, ra = RA.value;
    for (std::size_t s = Tn; s-- > 0;) {
      const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
      const std::size_t s0 = s / C * C, s1 = std::min(s0 + C, Tn);
      const std::size_t t0 = first_time(s0, s1, Tn, st.go_backwards);
      T* Ds = D + (t - t0) * B * W;
      const T* Gs = G + t * B * U4;
      const T* Hp = st.states.data() + s * BU;
      for (std::size_t b = 0; b < B; ++b) {
        const std::size_t o = b * U;
        const T* gy = gY ? gY + (b * Tn + s) * U : zero_row;
        if (!used(st.mask, b, Tn, t)) {
          // The state passes through: its gradient goes on to the previous step; the output's
          // gradient is carried to the previous output that this one repeated.
          for (std::size_t u = 0; u < U; ++u) {
            dYc[o + u] = carry ? gy[u] + dYc[o + u] : T(0);
            dHn[o + u] = dH[o + u];
          }
          std::fill(Ds + b * W, Ds + (b + 1) * W, T(0));
          continue;
        }
        const T* dc = carry ? dYc + o : zero_row;
        const std::size_t ah = ahead_row(b, B);
        if (st.reset_after)
          bwd_row_reset_after<a, ra>(U, gy, dc, dH + o, Gs + b * U4, Hp + o, Ds + b * W, dHn + o,
                                     Gs + ah * U4, Hp + ah * U, Ds + ah * W,
                                     fold_bias ? bias_sums.data() : nullptr);
        else
          bwd_row_before_a<a, ra>(U, gy, dc, dH + o, Gs + b * U4, Hp + o, Ds + b * W, dHn + o,
                                  Gs + ah * U4, Hp + ah * U, Ds + ah * W);
        if (carry) std::fill(dYc + o, dYc + o + U, T(0));
      }
      if (!st.reset_after) {
        gemm<T>(false, true, B, U, U, Ds + 2 * U, W, R + 2 * U, U3, T(0), DQ, U);
        for (std::size_t b = 0; b < B; ++b)
          if (used(st.mask, b, Tn, t))
            bwd_row_before_b<ra>(U, Gs + b * U4, Hp + b * U, DQ + b * U, nh + b * U, Ds + b * W,
                                 dHn + b * U);
      }
      // dh += D.R^T over the gates whose recurrent side is a plain GEMM of h (all three when
      // reset_after; z and r otherwise, the candidate's went through dq above).
      const std::size_t rec_cols = st.reset_after ? U3 : 2 * U;
      if (st.rec_masks.empty()) {
        gemm<T>(false, true, B, U, rec_cols, Ds, W, R, U3, T(1), dHn, U);
      } else {
        for (std::size_t g = 0; g < rec_cols / U; ++g) {
          gemm<T>(false, true, B, U, U, Ds + g * U, W, R + g * U, U3, T(0), tmp, U);
          const T* __restrict n = mask_of(st.rec_masks, g);
          for (std::size_t i = 0; i < BU; ++i) dHn[i] += tmp[i] * n[i];
        }
      }
      if (needs.rkernel) {
        const T beta = s == Tn - 1 ? T(0) : T(1);
        if (st.rec_masks.empty()) {
          gemm<T>(true, false, U, rec_cols, B, Hp, U, Ds, W, beta, dR, U3);
        } else {
          for (std::size_t g = 0; g < rec_cols / U; ++g) {
            multiply(tmp, Hp, mask_of(st.rec_masks, g), BU);
            gemm<T>(true, false, U, U, B, tmp, U, Ds + g * U, W, beta, dR + g * U, U3);
          }
        }
        if (!st.reset_after)
          gemm<T>(true, false, U, U, B, Gs + U3, U4, Ds + 2 * U, W, beta, dR + 2 * U, U3);
      }
      if (needs.bias && !fold_bias) add_column_sums(Ds, B, W, bias_sums.data());
      std::swap(dH, dHn);
      if (s == s0) flush(t0, s1 - s0);
    }
  });
  if (needs.h0) std::copy(dH, dH + BU, dh0);

  if (needs.bias) {
    // Input bias: [daz | dar | dah]; recurrent bias: the recurrent side's [daz | dar | dah*r]
    // (reset_after; without it Keras has one bias and the second half is unused).
    const T* cs = bias_sums.data();
    std::copy(cs, cs + 2 * U, db);
    std::copy(cs + L.h_in, cs + L.h_in + U, db + 2 * U);
    std::copy(cs, cs + U3, db + U3);
  }
}

std::size_t gru_chunk_steps(std::size_t B, std::size_t U, std::size_t Tn, std::size_t elem_bytes) {
  return chunk_steps_for(B * 4 * U * elem_bytes, Tn);
}

template void forward(GruState<float>&, const float*, float*, float*);
template void forward(GruState<double>&, const double*, double*, double*);
template void backward(const GruState<float>&, const float*, const float*, const GruNeeds&,
                       float*, float*, float*, float*, float*);
template void backward(const GruState<double>&, const double*, const double*, const GruNeeds&,
                       double*, double*, double*, double*, double*);

}  // namespace loom::gru_detail
