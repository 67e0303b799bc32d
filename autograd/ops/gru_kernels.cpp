// The fused GRU sequence kernels. Layout decisions, all for speed (DESIGN.md §3):
// - the input projection of every timestep is one GEMM into xp (T*B, 3U), time-major like the
//   (copied) input, so that each step reads one contiguous block and dx and dkernel are again one
//   GEMM each over all timesteps;
// - per-step values are kept time-major and gate-major ((T, 3, B, U)), so that the activations run
//   over long contiguous arrays even when U is tiny; drecurrent_kernel accumulates per step with
//   beta = 1;
// - the backward elementwise loops are instantiated per activation pair, so that each derivative
//   is inlined and the loops vectorise.
#include "autograd/ops/gru_kernels.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "autograd/ops/fast_math.hpp"
#include "core/blas.hpp"

namespace loom::gru_detail {
namespace {

using A_ = GruActivation;
template <A_ a>
using Act = std::integral_constant<A_, a>;

template <class F>
void with_act(A_ a, F&& f) {
  switch (a) {
    case A_::linear: f(Act<A_::linear>{}); break;
    case A_::tanh: f(Act<A_::tanh>{}); break;
    case A_::sigmoid: f(Act<A_::sigmoid>{}); break;
    case A_::hard_sigmoid: f(Act<A_::hard_sigmoid>{}); break;
    case A_::relu: f(Act<A_::relu>{}); break;
  }
}
template <class F>
void with_acts(A_ a, A_ ra, F&& f) {
  with_act(a, [&](auto A) { with_act(ra, [&](auto RA) { f(A, RA); }); });
}

template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  blas::gemm<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, beta, c, ldc);
}

template <class T>
const T* mask_of(const std::vector<Tensor<T>>& masks, std::size_t g) {
  if (masks.empty()) return nullptr;
  return masks[masks.size() == 1 ? 0 : g].data();
}

template <class T>
void multiply(T* __restrict out, const T* __restrict a, const T* __restrict b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

// Whether step t of sample b is used (no mask: always).
template <class T>
inline bool used(const T* mask, std::size_t b, std::size_t Tn, std::size_t t) {
  return mask == nullptr || mask[b * Tn + t] != T(0);
}

// Row kernels. They take __restrict parameters because GCC honours restrict on parameters (not on
// block-scope pointers): with it the loops vectorise without runtime alias checks.
template <class T>
inline void add3(std::size_t n, const T* __restrict a, const T* __restrict b,
                 const T* __restrict c, T* __restrict o) {
  for (std::size_t i = 0; i < n; ++i) o[i] = a[i] + b[i] + c[i];
}
template <class T>
inline void candidate_reset_after(std::size_t n, const T* __restrict x, const T* __restrict hpl,
                                  const T* __restrict bx, const T* __restrict bh,
                                  const T* __restrict r, T* __restrict hp, T* __restrict hh) {
  for (std::size_t i = 0; i < n; ++i) {
    const T v = hpl[i] + bh[i];
    hp[i] = v;
    hh[i] = x[i] + bx[i] + r[i] * v;
  }
}
template <class T>
inline void mul3(std::size_t n, const T* __restrict a, const T* __restrict b,
                 const T* __restrict c, T* __restrict o) {
  for (std::size_t i = 0; i < n; ++i) o[i] = a[i] * b[i] * c[i];
}
template <class T>
inline void blend(std::size_t n, const T* __restrict z, const T* __restrict h,
                  const T* __restrict hh, T* __restrict hn, T* __restrict y) {
  for (std::size_t i = 0; i < n; ++i) {
    const T v = z[i] * h[i] + (T(1) - z[i]) * hh[i];
    hn[i] = v;
    y[i] = v;
  }
}
template <class T>
inline void masked_row(std::size_t n, bool carry, const T* __restrict gy, T* __restrict dc,
                       const T* __restrict dh, T* __restrict dhn, T* __restrict dxp,
                       T* __restrict dhp) {
  for (std::size_t i = 0; i < n; ++i) {
    dc[i] = carry ? gy[i] + dc[i] : T(0);
    dhn[i] = dh[i];
  }
  std::fill(dxp, dxp + 3 * n, T(0));
  std::fill(dhp, dhp + 3 * n, T(0));
}

// One row of one step's backward for reset_after = true. The gradient reaching the new state is
// gy (the output's) + dc (carried from the next output under a mask) + dh (the next step's).
template <A_ A, A_ RA, class T>
inline void grad_row_reset_after(std::size_t U, const T* __restrict gy, T* __restrict dc,
                                 const T* __restrict dh, const T* __restrict z,
                                 const T* __restrict r, const T* __restrict hh,
                                 const T* __restrict hp, const T* __restrict h,
                                 T* __restrict dxp, T* __restrict dhp, T* __restrict dhn) {
  for (std::size_t u = 0; u < U; ++u) {
    const T g = gy[u] + dc[u] + dh[u];
    dc[u] = T(0);
    const T dz = g * (h[u] - hh[u]);
    const T dah = g * (T(1) - z[u]) * fast::derivative_from_output<A>(hh[u]);
    const T daz = dz * fast::derivative_from_output<RA>(z[u]);
    const T dar = dah * hp[u] * fast::derivative_from_output<RA>(r[u]);
    dxp[u] = daz;
    dxp[U + u] = dar;
    dxp[2 * U + u] = dah;
    dhp[u] = daz;
    dhp[U + u] = dar;
    dhp[2 * U + u] = dah * r[u];
    dhn[u] = g * z[u];
  }
}

// reset_after = false, first half: everything but the reset gate, whose gradient needs
// dq = dah . R_h^T (a GEMM) first.
template <A_ A, A_ RA, class T>
inline void grad_row_before_a(std::size_t U, const T* __restrict gy, T* __restrict dc,
                              const T* __restrict dh, const T* __restrict z,
                              const T* __restrict hh, const T* __restrict h, T* __restrict dxp,
                              T* __restrict dhp, T* __restrict dhn) {
  for (std::size_t u = 0; u < U; ++u) {
    const T g = gy[u] + dc[u] + dh[u];
    dc[u] = T(0);
    const T daz = g * (h[u] - hh[u]) * fast::derivative_from_output<RA>(z[u]);
    const T dah = g * (T(1) - z[u]) * fast::derivative_from_output<A>(hh[u]);
    dxp[u] = daz;
    dxp[2 * U + u] = dah;
    dhp[u] = daz;
    dhp[2 * U + u] = dah;
    dhn[u] = g * z[u];
  }
}

// reset_after = false, second half: the reset gate and dq's share of dh. n is the candidate's
// recurrent dropout mask (ones without dropout).
template <A_ RA, class T>
inline void grad_row_before_b(std::size_t U, const T* __restrict r, const T* __restrict h,
                              const T* __restrict dq, const T* __restrict n,
                              T* __restrict dxp_r, T* __restrict dhp_r, T* __restrict dhn) {
  for (std::size_t u = 0; u < U; ++u) {
    const T dqn = dq[u] * n[u];
    const T dar = dqn * h[u] * fast::derivative_from_output<RA>(r[u]);
    dxp_r[u] = dar;
    dhp_r[u] = dar;
    dhn[u] += dqn * r[u];
  }
}

// One step's backward over the batch. gY is (B, Tn, U); dXPs and dHPs are this step's (B, 3U)
// blocks.
template <A_ A, A_ RA, class T>
void step_grad_a(const GruState<T>& st, std::size_t s, std::size_t t, const T* gY, T* dYc,
                 const T* dH, T* dHn, T* dXPs, T* dHPs) {
  const std::size_t B = st.B, U = st.U, Tn = st.Tn, U3 = 3 * U, BU = B * U;
  const T* G = st.gates.data() + s * 3 * BU;
  const T* hpv = st.aux.data() + s * BU;
  const T* Hp = st.states.data() + s * BU;
  const bool carry = st.mask != nullptr && !st.zero_output_for_mask;
  for (std::size_t b = 0; b < B; ++b) {
    const T* gy = gY + (b * Tn + s) * U;
    const std::size_t o = b * U;
    if (!used(st.mask, b, Tn, t)) {
      masked_row(U, carry, gy, dYc + o, dH + o, dHn + o, dXPs + b * U3, dHPs + b * U3);
    } else if (st.reset_after) {
      grad_row_reset_after<A, RA>(U, gy, dYc + o, dH + o, G + o, G + BU + o, G + 2 * BU + o,
                                  hpv + o, Hp + o, dXPs + b * U3, dHPs + b * U3, dHn + o);
    } else {
      grad_row_before_a<A, RA>(U, gy, dYc + o, dH + o, G + o, G + 2 * BU + o, Hp + o,
                               dXPs + b * U3, dHPs + b * U3, dHn + o);
    }
  }
}

template <A_ RA, class T>
void step_grad_before_b(const GruState<T>& st, std::size_t s, std::size_t t, const T* DQ,
                        const T* nh, T* dHn, T* dXPs, T* dHPs) {
  const std::size_t B = st.B, U = st.U, Tn = st.Tn, U3 = 3 * U, BU = B * U;
  const T* G = st.gates.data() + s * 3 * BU;
  const T* Hp = st.states.data() + s * BU;
  for (std::size_t b = 0; b < B; ++b) {
    if (!used(st.mask, b, Tn, t)) continue;  // rows zeroed by the first half
    const std::size_t o = b * U;
    grad_row_before_b<RA>(U, G + BU + o, Hp + o, DQ + o, nh + o, dXPs + b * U3 + U,
                          dHPs + b * U3 + U, dHn + o);
  }
}

template <class T>
void column_sums(const T* a, std::size_t rows, std::size_t cols, T* out) {
  std::fill(out, out + cols, T(0));
  for (std::size_t i = 0; i < rows; ++i) {
    const T* __restrict row = a + i * cols;
    for (std::size_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

}  // namespace

template <class T>
void forward(GruState<T>& st, const T* h0, T* Y, T* hfinal) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U3 = 3 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();

  // The input projection of all timesteps at once, time-major (row t*B + b) like xin, so that
  // each step reads one contiguous (B, 3U) block.
  auto xp_t = Tensor<T>::empty({Tn * B, U3});
  T* XP = xp_t.data();
  if (st.xin.size() == 1) {
    gemm<T>(false, false, Tn * B, U3, I, st.xin[0].data(), I, K, U3, T(0), XP, U3);
  } else {
    for (std::size_t g = 0; g < 3; ++g)
      gemm<T>(false, false, Tn * B, U, I, st.xin[g].data(), I, K + g * U, U3, T(0), XP + g * U, U3);
  }

  st.states = Tensor<T>::empty({st.keep ? Tn + 1 : 2, B, U});
  st.gates = Tensor<T>::empty({st.keep ? Tn : 1, 3, B, U});
  st.aux = Tensor<T>::empty({st.keep ? Tn : 1, B, U});
  std::copy(h0, h0 + BU, st.states.data());
  auto hp_t = Tensor<T>::empty({B, U3});
  T* HP = hp_t.data();
  Tensor<T> tmp_t;
  if (!st.rec_masks.empty()) tmp_t = Tensor<T>::empty({B, U});
  T* tmp = tmp_t.defined() ? tmp_t.data() : nullptr;

  const T* bx = st.bias.data();
  const T* bh = bx + U3;
  std::vector<T> bzr(2 * U);
  for (std::size_t u = 0; u < 2 * U; ++u) bzr[u] = bx[u] + bh[u];
  const std::size_t gate_cols = st.reset_after ? U3 : 2 * U;

  T* Hn = nullptr;
  for (std::size_t s = 0; s < Tn; ++s) {
    const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
    const T* Hp = st.states.data() + (st.keep ? s : s % 2) * BU;
    Hn = st.states.data() + (st.keep ? s + 1 : (s + 1) % 2) * BU;
    T* Z = st.gates.data() + (st.keep ? s : 0) * 3 * BU;
    T* Rg = Z + BU;
    T* HH = Z + 2 * BU;
    T* AX = st.aux.data() + (st.keep ? s : 0) * BU;
    const T* XPs = XP + t * B * U3;

    if (st.rec_masks.empty()) {
      gemm<T>(false, false, B, gate_cols, U, Hp, U, R, U3, T(0), HP, U3);
    } else {
      for (std::size_t g = 0; g < gate_cols / U; ++g) {
        multiply(tmp, Hp, mask_of(st.rec_masks, g), BU);
        gemm<T>(false, false, B, U, U, tmp, U, R + g * U, U3, T(0), HP + g * U, U3);
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      add3(U, XPs + b * U3, HP + b * U3, bzr.data(), Z + b * U);
      add3(U, XPs + b * U3 + U, HP + b * U3 + U, bzr.data() + U, Rg + b * U);
    }
    fast::activate(st.ract, Z, 2 * BU);
    if (st.reset_after) {
      for (std::size_t b = 0; b < B; ++b)
        candidate_reset_after(U, XPs + b * U3 + 2 * U, HP + b * U3 + 2 * U, bx + 2 * U,
                              bh + 2 * U, Rg + b * U, AX + b * U, HH + b * U);
    } else {
      const T* nh = mask_of(st.rec_masks, 2);
      if (nh)
        mul3(BU, Rg, Hp, nh, AX);
      else
        multiply(AX, Rg, Hp, BU);
      gemm<T>(false, false, B, U, U, AX, U, R + 2 * U, U3, T(0), HP + 2 * U, U3);
      for (std::size_t b = 0; b < B; ++b)
        add3(U, XPs + b * U3 + 2 * U, HP + b * U3 + 2 * U, bx + 2 * U, HH + b * U);
    }
    fast::activate(st.act, HH, BU);
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t o = b * U;
      T* y = Y + (b * Tn + s) * U;
      if (used(st.mask, b, Tn, t)) {
        blend(U, Z + o, Hp + o, HH + o, Hn + o, y);
      } else {
        std::copy(Hp + o, Hp + o + U, Hn + o);
        if (st.zero_output_for_mask || s == 0)
          std::fill(y, y + U, T(0));
        else
          std::copy(y - U, y, y);
      }
    }
  }
  std::copy(Hn, Hn + BU, hfinal);
}

template <class T>
void backward(const GruState<T>& st, const T* gY, const T* gH, const GruNeeds& needs, T* dx,
              T* dh0, T* dK, T* dR, T* db) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U3 = 3 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();

  auto dxp_t = Tensor<T>::empty({Tn * B, U3});  // time-major by input time, like xp
  // One step's recurrent-side gradients; drecurrent_kernel accumulates them step by step with
  // beta = 1 (DESIGN.md §3: as fast as one GEMM over the stacked steps, and it saves a (T*B, 3U)
  // buffer, which keeps peak memory below libtorch's at large sizes).
  auto dhp_t = Tensor<T>::empty({B, U3});
  T* dXP = dxp_t.data();
  T* dHP = dhp_t.data();
  auto work = Tensor<T>::zeros({5, B, U});
  T* dH = work.data();
  T* dHn = dH + BU;
  T* dYc = dH + 2 * BU;
  T* DQ = dH + 3 * BU;
  T* tmp = dH + 4 * BU;
  std::copy(gH, gH + BU, dH);
  std::vector<T> ones;
  const T* nh = mask_of(st.rec_masks, 2);
  if (!st.reset_after && nh == nullptr) {
    ones.assign(BU, T(1));
    nh = ones.data();
  }
  const std::size_t gate_cols = st.reset_after ? U3 : 2 * U;

  for (std::size_t s = Tn; s-- > 0;) {
    const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
    T* dXPs = dXP + t * B * U3;
    T* dHPs = dHP;
    with_acts(st.act, st.ract, [&](auto A, auto RA) {
      step_grad_a<A.value, RA.value>(st, s, t, gY, dYc, dH, dHn, dXPs, dHPs);
    });
    if (!st.reset_after) {
      gemm<T>(false, true, B, U, U, dHPs + 2 * U, U3, R + 2 * U, U3, T(0), DQ, U);
      with_act(st.ract, [&](auto RA) {
        step_grad_before_b<RA.value>(st, s, t, DQ, nh, dHn, dXPs, dHPs);
      });
    }
    if (st.rec_masks.empty()) {
      gemm<T>(false, true, B, U, gate_cols, dHPs, U3, R, U3, T(1), dHn, U);
    } else {
      for (std::size_t g = 0; g < gate_cols / U; ++g) {
        gemm<T>(false, true, B, U, U, dHPs + g * U, U3, R + g * U, U3, T(0), tmp, U);
        const T* __restrict n = mask_of(st.rec_masks, g);
        for (std::size_t i = 0; i < BU; ++i) dHn[i] += tmp[i] * n[i];
      }
    }
    if (needs.rkernel) {
      const T beta = s == Tn - 1 ? T(0) : T(1);
      const T* Hp = st.states.data() + s * BU;
      if (st.rec_masks.empty()) {
        gemm<T>(true, false, U, gate_cols, B, Hp, U, dHPs, U3, beta, dR, U3);
      } else {
        for (std::size_t g = 0; g < gate_cols / U; ++g) {
          multiply(tmp, Hp, mask_of(st.rec_masks, g), BU);
          gemm<T>(true, false, U, U, B, tmp, U, dHPs + g * U, U3, beta, dR + g * U, U3);
        }
      }
      if (!st.reset_after)
        gemm<T>(true, false, U, U, B, st.aux.data() + s * BU, U, dHPs + 2 * U, U3, beta,
                dR + 2 * U, U3);
    }
    if (needs.bias) {
      T* __restrict dbh = db + U3;
      if (s == Tn - 1) std::fill(dbh, dbh + U3, T(0));
      for (std::size_t b = 0; b < B; ++b) {
        const T* __restrict row = dHPs + b * U3;
        for (std::size_t j = 0; j < U3; ++j) dbh[j] += row[j];
      }
    }
    std::swap(dH, dHn);
  }
  if (needs.h0) std::copy(dH, dH + BU, dh0);

  const std::size_t rows = B * Tn;
  if (needs.kernel) {
    if (st.xin.size() == 1) {
      gemm<T>(true, false, I, U3, rows, st.xin[0].data(), I, dXP, U3, T(0), dK, U3);
    } else {
      for (std::size_t g = 0; g < 3; ++g)
        gemm<T>(true, false, I, U, rows, st.xin[g].data(), I, dXP + g * U, U3, T(0), dK + g * U, U3);
    }
  }
  if (needs.x) {
    // dXP is time-major; dx is (B, Tn, I). Each gate's share is multiplied by its input mask.
    auto part_t = Tensor<T>::empty({rows, I});
    T* part = part_t.data();
    const std::size_t ng = st.in_masks.size() == 3 ? 3 : 1;
    for (std::size_t g = 0; g < ng; ++g) {
      gemm<T>(false, true, rows, I, ng == 1 ? U3 : U, dXP + g * U, U3, K + g * U, U3, T(0), part,
              I);
      const T* m = st.in_masks.empty() ? nullptr : st.in_masks[g].data();
      for (std::size_t tt = 0; tt < Tn; ++tt)
        for (std::size_t b = 0; b < B; ++b) {
          T* o = dx + (b * Tn + tt) * I;
          const T* p = part + (tt * B + b) * I;
          if (m == nullptr)
            std::copy(p, p + I, o);
          else if (g == 0)
            multiply(o, p, m + b * I, I);
          else
            for (std::size_t i = 0; i < I; ++i) o[i] += p[i] * m[b * I + i];
        }
    }
  }
  if (needs.bias) {
    column_sums(dXP, rows, U3, db);
  }
}

template void forward(GruState<float>&, const float*, float*, float*);
template void forward(GruState<double>&, const double*, double*, double*);
template void backward(const GruState<float>&, const float*, const float*, const GruNeeds&,
                       float*, float*, float*, float*, float*);
template void backward(const GruState<double>&, const double*, const double*, const GruNeeds&,
                       double*, double*, double*, double*, double*);

}  // namespace loom::gru_detail
