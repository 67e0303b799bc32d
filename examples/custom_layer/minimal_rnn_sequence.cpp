#include "minimal_rnn_sequence.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "autograd/tape.hpp"
#include "core/errors.hpp"

namespace custom {

using loom::BackwardCtx;
using loom::Shape;
using loom::Tensor;

namespace {

constexpr double kA = 1.7159, kB = 2.0 / 3.0;  // lecun_tanh(a) = kA tanh(kB a)

template <class T>
void expect_shape(const char* arg, const Tensor<T>& t, const Shape& want) {
  if (!t.defined() || t.shape() != want)
    throw loom::ShapeError(std::string("minimal_rnn_sequence: '") + arg + "' expected shape " + want.str() +
                           ", received " + (t.defined() ? t.shape().str() : std::string("an undefined tensor")));
}

// out (n, m) (+)= a (n, k) . b (k, m), or with a transposed (a is (k, n)) or b transposed (b is (m, k)).
template <class T>
void matmul_acc(T* out, const T* a, const T* b, std::size_t n, std::size_t k, std::size_t m, bool ta, bool tb) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * n + i] : a[i * k + p];
      for (std::size_t j = 0; j < m; ++j) out[i * m + j] += av * (tb ? b[j * k + p] : b[p * m + j]);
    }
}

}  // namespace

template <class T>
MinimalRNNSequenceResult<T> minimal_rnn_sequence(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& kernel,
                                                 const Tensor<T>& input_bias, const Tensor<T>& recurrent_kernel,
                                                 const Tensor<T>& gate_kernel, const Tensor<T>& gate_bias,
                                                 bool go_backwards) {
  if (!x.defined() || x.rank() != 3)
    throw loom::ShapeError("minimal_rnn_sequence: 'x' expected rank 3 (batch, timesteps, features), received " +
                           (x.defined() ? x.shape().str() : std::string("an undefined tensor")));
  const std::size_t B = x.dim(0), Tn = x.dim(1), I = x.dim(2);
  const std::size_t U = kernel.defined() && kernel.rank() == 2 ? kernel.dim(1) : 0;
  expect_shape("kernel", kernel, Shape{I, U});
  expect_shape("h0", h0, Shape{B, U});
  expect_shape("input_bias", input_bias, Shape{U});
  expect_shape("recurrent_kernel", recurrent_kernel, Shape{U, U});
  expect_shape("gate_kernel", gate_kernel, Shape{U, U});
  expect_shape("gate_bias", gate_bias, Shape{U});

  // Per processing step s (input time t): z[s], u[s] (B, U) and the states hs[s] before step s.
  const std::size_t BU = B * U;
  auto zs = Tensor<T>::zeros(Shape{Tn, B, U});
  auto us = Tensor<T>::zeros(Shape{Tn, B, U});
  auto hs = Tensor<T>::zeros(Shape{Tn + 1, B, U});
  std::copy(h0.data(), h0.data() + BU, hs.data());
  auto xt = Tensor<T>::zeros(Shape{B, I});
  const auto time_of = [Tn, go_backwards](std::size_t s) { return go_backwards ? Tn - 1 - s : s; };
  for (std::size_t s = 0; s < Tn; ++s) {
    const std::size_t t = time_of(s);
    for (std::size_t b = 0; b < B; ++b)
      std::copy(x.data() + (b * Tn + t) * I, x.data() + (b * Tn + t + 1) * I, xt.data() + b * I);
    T* z = zs.data() + s * BU;
    T* u = us.data() + s * BU;
    const T* hp = hs.data() + s * BU;
    T* hn = hs.data() + (s + 1) * BU;
    matmul_acc(z, xt.data(), kernel.data(), B, I, U, false, false);
    for (std::size_t i = 0; i < BU; ++i) z[i] = T(kA) * std::tanh(T(kB) * (z[i] + input_bias.data()[i % U]));
    matmul_acc(u, hp, recurrent_kernel.data(), B, U, U, false, false);
    matmul_acc(u, z, gate_kernel.data(), B, U, U, false, false);
    for (std::size_t i = 0; i < BU; ++i) {
      u[i] = T(1) / (T(1) + std::exp(-(u[i] + gate_bias.data()[i % U])));
      hn[i] = u[i] * hp[i] + (T(1) - u[i]) * z[i];
    }
  }
  MinimalRNNSequenceResult<T> res{Tensor<T>::empty(Shape{B, Tn, U}), Tensor<T>::empty(Shape{B, U})};
  for (std::size_t s = 0; s < Tn; ++s)
    for (std::size_t b = 0; b < B; ++b)
      std::copy(hs.data() + (s + 1) * BU + b * U, hs.data() + (s + 1) * BU + (b + 1) * U,
                res.outputs.data() + (b * Tn + s) * U);
  std::copy(hs.data() + Tn * BU, hs.data() + (Tn + 1) * BU, res.state.data());

  if (loom::autograd::should_record<T>({&x, &h0, &kernel, &input_bias, &recurrent_kernel, &gate_kernel, &gate_bias})) {
    loom::autograd::record<T>(
        "minimal_rnn_sequence", {&x, &h0, &kernel, &input_bias, &recurrent_kernel, &gate_kernel, &gate_bias},
        {&res.outputs, &res.state},
        [=](BackwardCtx<T>& c) {
          auto dx = Tensor<T>::zeros(x.shape());
          auto dk = Tensor<T>::zeros(kernel.shape()), dbz = Tensor<T>::zeros(input_bias.shape());
          auto dr = Tensor<T>::zeros(recurrent_kernel.shape()), dg = Tensor<T>::zeros(gate_kernel.shape());
          auto dbu = Tensor<T>::zeros(gate_bias.shape());
          // dh: dLoss/d(state after step s), carried backwards through time.
          std::vector<T> dh(BU, T(0)), dhp(BU), du(BU), dz(BU), xs(B * I), dxs(B * I);
          if (c.has_g(1)) std::copy(c.g(1).data(), c.g(1).data() + BU, dh.begin());
          for (std::size_t s = Tn; s-- > 0;) {
            const std::size_t t = time_of(s);
            if (c.has_g(0))
              for (std::size_t b = 0; b < B; ++b)
                for (std::size_t j = 0; j < U; ++j) dh[b * U + j] += c.g(0).data()[(b * Tn + s) * U + j];
            const T* z = zs.data() + s * BU;
            const T* u = us.data() + s * BU;
            const T* hp = hs.data() + s * BU;
            for (std::size_t i = 0; i < BU; ++i) {
              // h' = u h + (1 - u) z; u = sigmoid(a_u), so du/da_u = u (1 - u).
              du[i] = dh[i] * (hp[i] - z[i]) * u[i] * (T(1) - u[i]);
              dz[i] = dh[i] * (T(1) - u[i]);
              dhp[i] = dh[i] * u[i];
            }
            matmul_acc(dhp.data(), du.data(), recurrent_kernel.data(), B, U, U, false, true);
            matmul_acc(dr.data(), hp, du.data(), U, B, U, true, false);
            matmul_acc(dz.data(), du.data(), gate_kernel.data(), B, U, U, false, true);
            matmul_acc(dg.data(), z, du.data(), U, B, U, true, false);
            // z = kA tanh(kB a_z), so dz/da_z = kB (kA - z^2 / kA); dz becomes dLoss/da_z.
            for (std::size_t i = 0; i < BU; ++i) {
              dz[i] *= T(kB) * (T(kA) - z[i] * z[i] / T(kA));
              dbz.data()[i % U] += dz[i];
              dbu.data()[i % U] += du[i];
            }
            for (std::size_t b = 0; b < B; ++b)
              std::copy(x.data() + (b * Tn + t) * I, x.data() + (b * Tn + t + 1) * I, xs.begin() + b * I);
            matmul_acc(dk.data(), xs.data(), dz.data(), I, B, U, true, false);
            std::fill(dxs.begin(), dxs.end(), T(0));
            matmul_acc(dxs.data(), dz.data(), kernel.data(), B, U, I, false, true);
            for (std::size_t b = 0; b < B; ++b)
              std::copy(dxs.begin() + b * I, dxs.begin() + (b + 1) * I, dx.data() + (b * Tn + t) * I);
            dh.swap(dhp);
          }
          auto dh0 = Tensor<T>::empty(Shape{B, U});
          std::copy(dh.begin(), dh.end(), dh0.data());
          c.grad_in = {dx, dh0, dk, dbz, dr, dg, dbu};
        });
  }
  return res;
}

template MinimalRNNSequenceResult<float> minimal_rnn_sequence(const Tensor<float>&, const Tensor<float>&,
                                                              const Tensor<float>&, const Tensor<float>&,
                                                              const Tensor<float>&, const Tensor<float>&,
                                                              const Tensor<float>&, bool);
template MinimalRNNSequenceResult<double> minimal_rnn_sequence(const Tensor<double>&, const Tensor<double>&,
                                                               const Tensor<double>&, const Tensor<double>&,
                                                               const Tensor<double>&, const Tensor<double>&,
                                                               const Tensor<double>&, bool);

}  // namespace custom
