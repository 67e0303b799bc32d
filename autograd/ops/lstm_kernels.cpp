// The fused LSTM sequence kernels, laid out as the GRU's (gru_kernels.cpp, docs/design.md):
// time-major gates rows [i | f | g | o | act(c')] that the chunked input projection and each
// step's recurrent GEMM (beta = 1) fill in place, one elementwise pass per batch row on lanes
// (rnn_lanes.hpp), and a backward that writes one row of pre-activation gradients
// [dai | daf | dag | dao] per (t, b), which the recurrent GEMMs (dh, drecurrent_kernel) and the
// input-side GEMMs of its chunk (dkernel, dx) read as it is.
#include "autograd/ops/lstm_kernels.hpp"

#include <algorithm>
#include <utility>

#include "autograd/ops/rnn_lanes.hpp"
#include "autograd/ops/rnn_kernel_util.hpp"

namespace loom::lstm_detail {
namespace {

using namespace rnn_kernel;

// g is one gates row: on entry the pre-activations without bias, on exit [i | f | g | o | act(c')].
// `ahead` is the same row kAhead batch rows later, for lanes::prefetch (rnn_lanes.hpp says why).
template <class T>
struct Ahead {
  const T *g, *c, *hn, *cn, *y;
};

template <A_ A, A_ RA, class T>
inline void fwd_row(std::size_t U, T* g, const T* bias, const T* cp, T* hn, T* cn, T* y,
                    const Ahead<T>& ah) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 1>(u, ah.g, ah.g + U, ah.g + 2 * U, ah.g + 3 * U, ah.g + 4 * U);
    lanes::prefetch<T, 1>(u, ah.c, ah.hn, ah.cn, ah.y);
    const auto i = lanes::act<RA>(io.ld(g + u) + io.ld(bias + u));
    const auto f = lanes::act<RA>(io.ld(g + U + u) + io.ld(bias + U + u));
    const auto gg = lanes::act<A>(io.ld(g + 2 * U + u) + io.ld(bias + 2 * U + u));
    const auto o = lanes::act<RA>(io.ld(g + 3 * U + u) + io.ld(bias + 3 * U + u));
    const auto c = f * io.ld(cp + u) + i * gg;
    const auto tc = lanes::act<A>(c);
    const auto h = o * tc;
    io.st(g + u, i);
    io.st(g + U + u, f);
    io.st(g + 2 * U + u, gg);
    io.st(g + 3 * U + u, o);
    io.st(g + 4 * U + u, tc);
    io.st(cn + u, c);
    io.st(hn + u, h);
    io.st(y + u, h);
  });
}

// The gradient reaching the new h is gy (the output's) + dyc (carried from the next output under a
// mask) + dh (the next step's); dc is the new cell's gradient from the next step. Writes the
// pre-activation gradients d and the previous cell's gradient dcn.
template <A_ A, A_ RA, class T>
inline void bwd_row(std::size_t U, const T* gy, const T* dyc, const T* dh, const T* dc,
                    const T* g, const T* cp, T* d, T* dcn, const T* ahead_g, const T* ahead_c,
                    const T* ahead_d) {
  lanes::each<T>(U, [&](std::size_t u, const auto& io) {
    lanes::prefetch<T, 0>(u, ahead_g, ahead_g + U, ahead_g + 2 * U, ahead_g + 3 * U,
                          ahead_g + 4 * U, ahead_c);
    lanes::prefetch<T, 1>(u, ahead_d, ahead_d + U, ahead_d + 2 * U, ahead_d + 3 * U);
    using V = std::decay_t<decltype(io.ld(g))>;
    const V gr = io.ld(gy + u) + io.ld(dyc + u) + io.ld(dh + u);
    const V i = io.ld(g + u), f = io.ld(g + U + u), gg = io.ld(g + 2 * U + u);
    const V o = io.ld(g + 3 * U + u), tc = io.ld(g + 4 * U + u);
    const V dcell = io.ld(dc + u) + gr * o * lanes::dact<A>(tc);
    const V dai = dcell * gg * lanes::dact<RA>(i);
    const V daf = dcell * io.ld(cp + u) * lanes::dact<RA>(f);
    const V dag = dcell * i * lanes::dact<A>(gg);
    const V dao = gr * tc * lanes::dact<RA>(o);
    io.st(d + u, dai);
    io.st(d + U + u, daf);
    io.st(d + 2 * U + u, dag);
    io.st(d + 3 * U + u, dao);
    io.st(dcn + u, dcell * f);
  });
}

template <class T>
std::size_t chunk_steps(std::size_t B, std::size_t U, std::size_t Tn) {
  return chunk_steps_for(B * 5 * U * sizeof(T), Tn);
}

}  // namespace

template <class T>
void forward(LstmState<T>& st, const T* h0, const T* c0, T* Y, T* h_final, T* c_final) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U4 = 4 * U, U5 = 5 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();
  st.gates = Tensor<T>::empty({Tn, B, U5});
  T* G = st.gates.data();
  const std::size_t C = chunk_steps<T>(B, U, Tn);
  auto project = [&](std::size_t s0) {
    const std::size_t n = std::min(C, Tn - s0);
    const std::size_t r0 = first_time(s0, s0 + n, Tn, st.go_backwards) * B;
    if (st.xin.size() == 1) {
      gemm<T>(false, false, n * B, U4, I, st.xin[0].data() + r0 * I, I, K, U4, T(0), G + r0 * U5,
              U5);
    } else {
      for (std::size_t g = 0; g < 4; ++g)
        gemm<T>(false, false, n * B, U, I, st.xin[g].data() + r0 * I, I, K + g * U, U4, T(0),
                G + r0 * U5 + g * U, U5);
    }
  };
  const std::size_t slots = st.keep ? Tn + 1 : 2;
  st.hs = Tensor<T>::empty({slots, B, U});
  st.cs = Tensor<T>::empty({slots, B, U});
  std::copy(h0, h0 + BU, st.hs.data());
  std::copy(c0, c0 + BU, st.cs.data());
  Tensor<T> tmp_t;
  if (!st.rec_masks.empty()) tmp_t = Tensor<T>::empty({B, U});

  const T *Hn = nullptr, *Cn = nullptr;
  with_acts(st.act, st.ract, [&](auto A, auto RA) {
    constexpr A_ a = A.value, ra = RA.value;
    for (std::size_t s = 0; s < Tn; ++s) {
      if (s % C == 0) project(s);
      const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
      const std::size_t cur = st.keep ? s : s % 2, nxt = st.keep ? s + 1 : (s + 1) % 2;
      const T* Hp = st.hs.data() + cur * BU;
      const T* Cp = st.cs.data() + cur * BU;
      T* hn = st.hs.data() + nxt * BU;
      T* cn = st.cs.data() + nxt * BU;
      T* Gs = G + t * B * U5;
      if (st.rec_masks.empty()) {
        gemm<T>(false, false, B, U4, U, Hp, U, R, U4, T(1), Gs, U5);
      } else {
        for (std::size_t g = 0; g < 4; ++g) {
          multiply(tmp_t.data(), Hp, mask_of(st.rec_masks, g), BU);
          gemm<T>(false, false, B, U, U, tmp_t.data(), U, R + g * U, U4, T(1), Gs + g * U, U5);
        }
      }
      for (std::size_t b = 0; b < B; ++b) {
        const std::size_t o = b * U;
        T* y = Y + (b * Tn + s) * U;
        if (used(st.mask, b, Tn, t)) {
          const std::size_t k = rnn_kernel::ahead_row(b, B), ko = k * U;
          const Ahead<T> ah{Gs + k * U5, Cp + ko, hn + ko, cn + ko, Y + (k * Tn + s) * U};
          fwd_row<a, ra>(U, Gs + b * U5, st.bias.data(), Cp + o, hn + o, cn + o, y, ah);
          continue;
        }
        // Masked: both states carry; the output repeats the last one (or is zero).
        std::copy(Hp + o, Hp + o + U, hn + o);
        std::copy(Cp + o, Cp + o + U, cn + o);
        if (st.zero_output_for_mask || s == 0)
          std::fill(y, y + U, T(0));
        else
          std::copy(y - U, y, y);
      }
      Hn = hn;
      Cn = cn;
    }
  });
  std::copy(Hn, Hn + BU, h_final);
  std::copy(Cn, Cn + BU, c_final);
}

template <class T>
void backward(const LstmState<T>& st, const T* gY, const T* gH, const T* gC,
              const LstmNeeds& needs, T* dx, T* dh0, T* dc0, T* dK, T* dR, T* db) {
  const std::size_t B = st.B, Tn = st.Tn, I = st.I, U = st.U, U4 = 4 * U, U5 = 5 * U, BU = B * U;
  const T* K = st.kernel.data();
  const T* R = st.rkernel.data();
  const T* G = st.gates.data();

  // D holds one chunk of steps, time-major by input time like gates: its input-side GEMMs run
  // when the chunk is done.
  const std::size_t C = chunk_steps<T>(B, U, Tn);
  auto d_t = Tensor<T>::empty({C * B, U4});
  T* D = d_t.data();
  Tensor<T> part_t;
  if (needs.x) part_t = Tensor<T>::empty({C * B, I});
  const bool per_gate = st.xin.size() == 4;
  bool first_flush = true;
  // dkernel += x^T.D and dx = D.kernel^T for input times [t0, t0 + n).
  auto flush = [&](std::size_t t0, std::size_t n) {
    const std::size_t rows = n * B, r0 = t0 * B;
    const std::size_t blocks = per_gate ? 4 : 1, width = per_gate ? U : U4;
    if (needs.kernel)
      for (std::size_t k = 0; k < blocks; ++k)
        gemm<T>(true, false, I, width, rows, st.xin[k].data() + r0 * I, I, D + k * U, U4,
                first_flush ? T(0) : T(1), dK + k * U, U4);
    first_flush = false;
    if (!needs.x) return;
    T* part = part_t.data();
    for (std::size_t k = 0; k < blocks; ++k) {
      gemm<T>(false, true, rows, I, width, D + k * U, U4, K + k * U, U4, T(0), part, I);
      const T* m = mask_of(st.in_masks, k);
      for (std::size_t tt = 0; tt < n; ++tt)
        for (std::size_t b = 0; b < B; ++b) {
          T* o = dx + (b * Tn + t0 + tt) * I;
          const T* p = part + (tt * B + b) * I;
          for (std::size_t i = 0; i < I; ++i) {
            const T v = m ? p[i] * m[b * I + i] : p[i];
            o[i] = k == 0 ? v : o[i] + v;
          }
        }
    }
  };

  auto work = Tensor<T>::zeros({8, B, U});
  T* dH = work.data();
  T* dHn = dH + BU;
  T* dC = dH + 2 * BU;
  T* dCn = dH + 3 * BU;
  T* dYc = dH + 4 * BU;
  T* tmp = dH + 5 * BU;
  T* tmp2 = dH + 6 * BU;
  const T* zero_row = dH + 7 * BU;  // stays zero
  if (gH) std::copy(gH, gH + BU, dH);
  if (gC) std::copy(gC, gC + BU, dC);
  const bool carry = st.mask != nullptr && !st.zero_output_for_mask;
  std::vector<T> bias_sums(needs.bias ? U4 : 0, T(0));

  with_acts(st.act, st.ract, [&](auto A, auto RA) {
    constexpr A_ a = A.value, ra = RA.value;
    for (std::size_t s = Tn; s-- > 0;) {
      const std::size_t t = st.go_backwards ? Tn - 1 - s : s;
      const std::size_t s0 = s / C * C, s1 = std::min(s0 + C, Tn);
      const std::size_t t0 = first_time(s0, s1, Tn, st.go_backwards);
      T* Ds = D + (t - t0) * B * U4;
      const T* Gs = G + t * B * U5;
      const T* Hp = st.hs.data() + s * BU;
      const T* Cp = st.cs.data() + s * BU;
      for (std::size_t b = 0; b < B; ++b) {
        const std::size_t o = b * U;
        const T* gy = gY ? gY + (b * Tn + s) * U : zero_row;
        if (!used(st.mask, b, Tn, t)) {
          // Both states pass through; the output's gradient goes to the output this one repeated.
          for (std::size_t u = 0; u < U; ++u) {
            dYc[o + u] = carry ? gy[u] + dYc[o + u] : T(0);
            dCn[o + u] = dC[o + u];
          }
          std::fill(Ds + b * U4, Ds + (b + 1) * U4, T(0));
          continue;
        }
        const std::size_t k = rnn_kernel::ahead_row(b, B);
        bwd_row<a, ra>(U, gy, carry ? dYc + o : zero_row, dH + o, dC + o, Gs + b * U5, Cp + o,
                       Ds + b * U4, dCn + o, Gs + k * U5, Cp + k * U, Ds + k * U4);
        if (carry) std::fill(dYc + o, dYc + o + U, T(0));
      }
      // dh_prev = D.R^T (zero rows of D for masked samples), plus the pass-through of masked ones.
      if (st.rec_masks.empty()) {
        gemm<T>(false, true, B, U, U4, Ds, U4, R, U4, T(0), dHn, U);
      } else {
        std::fill(dHn, dHn + BU, T(0));
        for (std::size_t g = 0; g < 4; ++g) {
          gemm<T>(false, true, B, U, U, Ds + g * U, U4, R + g * U, U4, T(0), tmp, U);
          const T* __restrict m = mask_of(st.rec_masks, g);
          for (std::size_t i = 0; i < BU; ++i) dHn[i] += tmp[i] * m[i];
        }
      }
      if (st.mask != nullptr)
        for (std::size_t b = 0; b < B; ++b)
          if (!used(st.mask, b, Tn, t))
            for (std::size_t u = 0; u < U; ++u) dHn[b * U + u] += dH[b * U + u];
      if (needs.rkernel) {
        const T beta = s == Tn - 1 ? T(0) : T(1);
        if (st.rec_masks.empty()) {
          gemm<T>(true, false, U, U4, B, Hp, U, Ds, U4, beta, dR, U4);
        } else {
          for (std::size_t g = 0; g < 4; ++g) {
            multiply(tmp2, Hp, mask_of(st.rec_masks, g), BU);
            gemm<T>(true, false, U, U, B, tmp2, U, Ds + g * U, U4, beta, dR + g * U, U4);
          }
        }
      }
      if (needs.bias) add_column_sums(Ds, B, U4, bias_sums.data());
      std::swap(dH, dHn);
      std::swap(dC, dCn);
      if (s == s0) flush(t0, s1 - s0);
    }
  });
  if (needs.h0) std::copy(dH, dH + BU, dh0);
  if (needs.c0) std::copy(dC, dC + BU, dc0);
  if (needs.bias) std::copy(bias_sums.begin(), bias_sums.end(), db);
}

template void forward(LstmState<float>&, const float*, const float*, float*, float*, float*);
template void forward(LstmState<double>&, const double*, const double*, double*, double*, double*);
template void backward(const LstmState<float>&, const float*, const float*, const float*,
                       const LstmNeeds&, float*, float*, float*, float*, float*, float*);
template void backward(const LstmState<double>&, const double*, const double*, const double*,
                       const LstmNeeds&, double*, double*, double*, double*, double*, double*);

}  // namespace loom::lstm_detail
