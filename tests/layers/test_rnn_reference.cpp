// SimpleRNN and LSTM against hand-written double-precision references (plain loops over the Keras
// equations, written here from docs/keras_contract.md §5 and Keras's cell code), within 1e-10; plus
// the LSTM's unit_forget_bias, implementation 1 vs 2, and dropout masks held for one call.
#include <gtest/gtest.h>

#include <cmath>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

using Vec = std::vector<double>;
double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// Row-major helpers over plain vectors.
struct Mat {
  std::size_t r, c;
  Vec v;
  double operator()(std::size_t i, std::size_t j) const { return v[i * c + j]; }
};
Mat mat_of(const Tensor<double>& t) {
  return {t.dim(0), t.rank() > 1 ? t.dim(1) : 1, t.to_vector()};
}

struct RefResult {
  Vec seq;            // (B, T, U) in processing order
  Vec last;           // (B, U)
  std::vector<Vec> states;  // each (B, U)
};

// One Keras RNN over a step function, with masks (carry state, fill with previous output or zero)
// and go_backwards, written independently of loom's RNN.
template <class Step>
RefResult ref_rnn(const Tensor<double>& x, std::size_t U, std::size_t n_states, Step step, const Tensor<double>& mask,
                  bool go_backwards, bool zero_output, std::vector<Vec> states) {
  const std::size_t B = x.dim(0), T = x.dim(1), I = x.dim(2);
  RefResult r;
  Vec y_prev(B * U, 0.0);
  for (std::size_t i = 0; i < T; ++i) {
    const std::size_t t = go_backwards ? T - 1 - i : i;
    for (std::size_t b = 0; b < B; ++b) {
      Vec xb(I);
      for (std::size_t k = 0; k < I; ++k) xb[k] = x.data()[(b * T + t) * I + k];
      std::vector<Vec> sb(n_states, Vec(U));
      for (std::size_t s = 0; s < n_states; ++s)
        for (std::size_t u = 0; u < U; ++u) sb[s][u] = states[s][b * U + u];
      Vec out;
      std::vector<Vec> ns;
      step(xb, sb, out, ns);
      const bool keep = !mask.defined() || mask.data()[b * T + t] != 0.0;
      for (std::size_t u = 0; u < U; ++u) {
        if (keep) {
          y_prev[b * U + u] = out[u];
          for (std::size_t s = 0; s < n_states; ++s) states[s][b * U + u] = ns[s][u];
        } else if (zero_output) {
          y_prev[b * U + u] = 0.0;
        }
      }
    }
    r.seq.insert(r.seq.end(), y_prev.begin(), y_prev.end());  // (T, B, U) for now
  }
  // (T, B, U) -> (B, T, U)
  Vec seq(B * T * U);
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t u = 0; u < U; ++u) seq[(b * T + t) * U + u] = r.seq[(t * B + b) * U + u];
  r.seq = seq;
  r.last = y_prev;
  r.states = states;
  return r;
}

// SimpleRNN step: h' = tanh(x·K + b + h·R).
auto simple_step(const Mat& K, const Mat& R, const Vec& bias) {
  return [=](const Vec& x, const std::vector<Vec>& s, Vec& out, std::vector<Vec>& ns) {
    const std::size_t U = R.r;
    out.assign(U, 0.0);
    for (std::size_t u = 0; u < U; ++u) {
      double z = bias[u];
      for (std::size_t k = 0; k < x.size(); ++k) z += x[k] * K(k, u);
      for (std::size_t k = 0; k < U; ++k) z += s[0][k] * R(k, u);
      out[u] = std::tanh(z);
    }
    ns = {out};
  };
}

// LSTM step, gate order i, f, c, o: c' = f c + i tanh(g), h' = o tanh(c').
auto lstm_step(const Mat& K, const Mat& R, const Vec& bias) {
  return [=](const Vec& x, const std::vector<Vec>& s, Vec& out, std::vector<Vec>& ns) {
    const std::size_t U = R.r;
    Vec z(4 * U);
    for (std::size_t j = 0; j < 4 * U; ++j) {
      double a = bias[j];
      for (std::size_t k = 0; k < x.size(); ++k) a += x[k] * K(k, j);
      for (std::size_t k = 0; k < U; ++k) a += s[0][k] * R(k, j);
      z[j] = a;
    }
    Vec h(U), c(U);
    for (std::size_t u = 0; u < U; ++u) {
      const double i = sigm(z[u]), f = sigm(z[U + u]), g = std::tanh(z[2 * U + u]), o = sigm(z[3 * U + u]);
      c[u] = f * s[1][u] + i * g;
      h[u] = o * std::tanh(c[u]);
    }
    out = h;
    ns = {h, c};
  };
}

void expect_vec_near(const Tensor<double>& t, const Vec& v, double tol, const std::string& what) {
  ASSERT_EQ(t.size(), v.size()) << what;
  double worst = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) worst = std::max(worst, std::abs(t.data()[i] - v[i]));
  EXPECT_LE(worst, tol) << what;
}

struct Variant {
  const char* label;
  bool masked, backwards, zero_output;
};
const Variant kVariants[] = {{"plain", false, false, false},
                             {"go_backwards", false, true, false},
                             {"masked", true, false, false},
                             {"masked go_backwards zero_output", true, true, true}};

}  // namespace

TEST(RNNReference, SimpleRNNMatchesPlainLoops) {
  const std::size_t B = 3, T = 5, I = 4, U = 3;
  auto x = rand_tensor<double>(Shape{B, T, I}, 11);
  auto h0 = rand_tensor<double>(Shape{B, U}, 12, -0.5, 0.5);
  auto mask = mask_tensor<double>({{1, 1, 0, 1, 0}, {0, 0, 1, 1, 1}, {1, 0, 0, 0, 0}});
  double worst = 0.0;
  for (const auto& v : kVariants) {
    SimpleRNN<double> rnn(U, {.bias_initializer = RandomUniform(-0.5, 0.5, 3)},
                          {.return_sequences = true, .go_backwards = v.backwards, .zero_output_for_mask = v.zero_output});
    auto got = rnn.call_full(x, {h0}, v.masked ? mask : Tensor<double>());
    auto cell = rnn.simple_rnn_cell();
    auto ref = ref_rnn(x, U, 1,
                       simple_step(mat_of(cell->kernel().value()), mat_of(cell->recurrent_kernel().value()),
                                   cell->bias().value().to_vector()),
                       v.masked ? mask : Tensor<double>(), v.backwards, v.zero_output, {h0.to_vector()});
    expect_vec_near(got.output, ref.seq, 1e-10, std::string("SimpleRNN seq ") + v.label);
    expect_vec_near(got.states[0], ref.states[0], 1e-10, std::string("SimpleRNN state ") + v.label);
    for (std::size_t i = 0; i < ref.seq.size(); ++i) worst = std::max(worst, std::abs(got.output.data()[i] - ref.seq[i]));
  }
  std::printf("[ reference ] SimpleRNN max abs difference %.3g\n", worst);
}

TEST(RNNReference, LSTMMatchesPlainLoopsBothImplementations) {
  const std::size_t B = 3, T = 5, I = 4, U = 3;
  auto x = rand_tensor<double>(Shape{B, T, I}, 21);
  auto h0 = rand_tensor<double>(Shape{B, U}, 22, -0.5, 0.5);
  auto c0 = rand_tensor<double>(Shape{B, U}, 23, -0.5, 0.5);
  auto mask = mask_tensor<double>({{1, 1, 0, 1, 0}, {0, 0, 1, 1, 1}, {1, 0, 0, 0, 0}});
  double worst = 0.0;
  for (int impl : {1, 2})
    for (const auto& v : kVariants) {
      LSTM<double> rnn(U, {.bias_initializer = RandomUniform(-0.5, 0.5, 4), .implementation = impl},
                       {.return_sequences = true, .go_backwards = v.backwards, .zero_output_for_mask = v.zero_output});
      auto got = rnn.call_full(x, {h0, c0}, v.masked ? mask : Tensor<double>());
      auto cell = rnn.lstm_cell();
      EXPECT_EQ(cell->implementation(), impl);
      auto ref = ref_rnn(x, U, 2,
                         lstm_step(mat_of(cell->kernel().value()), mat_of(cell->recurrent_kernel().value()),
                                   cell->bias().value().to_vector()),
                         v.masked ? mask : Tensor<double>(), v.backwards, v.zero_output,
                         {h0.to_vector(), c0.to_vector()});
      const std::string label = std::string("LSTM impl ") + std::to_string(impl) + " " + v.label;
      expect_vec_near(got.output, ref.seq, 1e-10, label + " seq");
      expect_vec_near(got.states[0], ref.states[0], 1e-10, label + " h");
      expect_vec_near(got.states[1], ref.states[1], 1e-10, label + " c");
      for (std::size_t i = 0; i < ref.seq.size(); ++i)
        worst = std::max(worst, std::abs(got.output.data()[i] - ref.seq[i]));
    }
  std::printf("[ reference ] LSTM max abs difference %.3g\n", worst);
}

TEST(RNNReference, LSTMUnitForgetBiasAndNoBias) {
  LSTMCell<float> cell(3, {.bias_initializer = Constant(0.5)});
  cell.build(Shape{2, 4});
  const auto b = cell.bias().value().to_vector();
  ASSERT_EQ(b.size(), 12u);
  for (std::size_t j = 0; j < 12; ++j) EXPECT_EQ(b[j], (j >= 3 && j < 6) ? 1.0f : 0.5f) << j;
  LSTMCell<float> plain(3, {.bias_initializer = Constant(0.5), .unit_forget_bias = false});
  plain.build(Shape{2, 4});
  for (float v : plain.bias().value().to_vector()) EXPECT_EQ(v, 0.5f);
  LSTMCell<float> nobias(3, {.use_bias = false});
  nobias.build(Shape{2, 4});
  EXPECT_EQ(nobias.weights().size(), 2u);
}

TEST(RNNReference, CellArgumentRules) {
  EXPECT_TRUE(throws_with<ValueError>([] { LSTMCell<float>(0); }, {"LSTMCell", "units", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { SimpleRNNCell<float>(-2); }, {"SimpleRNNCell", "units", "-2"}));
  // Rates are clipped to [0, 1]; recurrent dropout forces implementation 1.
  LSTMCell<float> c(2, {.dropout = 1.5, .recurrent_dropout = -0.2});
  EXPECT_EQ(c.options().dropout, 1.0);
  EXPECT_EQ(c.options().recurrent_dropout, 0.0);
  EXPECT_EQ(c.implementation(), 2);
  LSTMCell<float> d(2, {.recurrent_dropout = 0.1, .implementation = 2});
  EXPECT_EQ(d.implementation(), 1);
  EXPECT_EQ(LSTMCell<float>(2, {.implementation = 0}).implementation(), 2);
  EXPECT_TRUE(throws_with<ValueError>([] { LSTMCell<float>(2, {.implementation = 3}); },
                                      {"LSTMCell", "implementation", "3"}));
}

// Keras recurrent_test.py test_dropout_mask_reuse: ones kernel, zero recurrent kernel, dropout
// 0.5, constant input: within a call every step sees the same mask, so outputs repeat over time;
// the next call draws new masks.
TEST(RNNReference, DropoutMaskHeldForOneCallAndRedrawnForTheNext) {
  auto x = Tensor<float>::ones(Shape{6, 2, 5});
  auto check = [&](RNN<float>& rnn, float inference_value, const char* label) {
    auto a = rnn(x, true);
    auto b = rnn(x, true);
    EXPECT_TRUE(all_close(take(a, 1, 0), take(a, 1, 1), 0.0)) << label;
    EXPECT_FALSE(all_close(take(a, 1, 0), take(b, 1, 0), 1e-6)) << label << ": masks were not redrawn";
    // Inference applies no dropout.
    auto c = rnn(x, false);
    for (float v : c.to_vector()) EXPECT_NEAR(v, inference_value, 1e-6) << label;
  };
  SimpleRNNCellOptions o{.kernel_initializer = "ones", .recurrent_initializer = "zeros", .dropout = 0.5, .seed = 5};
  SimpleRNN<float> single(4, o, {.return_sequences = true});
  check(single, std::tanh(5.0f), "SimpleRNN");
  RNN<float> stacked(std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<SimpleRNNCell<float>>(4, o),
                                                                  std::make_shared<SimpleRNNCell<float>>(4, o)},
                     {.return_sequences = true});
  check(stacked, std::tanh(4 * std::tanh(5.0f)), "stacked");
  // Masks are cleared at the end of every call.
  EXPECT_TRUE(single.simple_rnn_cell()->dropout_masks().empty());
}

TEST(RNNReference, LSTMDropoutMasksPerImplementation) {
  auto x = rand_tensor<double>(Shape{3, 2, 4}, 31);
  for (int impl : {1, 2}) {
    LSTMCell<double> cell(3, {.dropout = 0.4, .recurrent_dropout = impl == 1 ? 0.3 : 0.0, .implementation = impl,
                              .seed = 9});
    std::vector<Tensor<double>> s = cell.get_initial_state(3);
    s[0] = rand_tensor<double>(Shape{3, 3}, 32);
    auto out = cell.call(take(x, 1, 0), s, true);
    ASSERT_EQ(cell.dropout_masks().size(), impl == 1 ? 4u : 1u);
    EXPECT_EQ(cell.recurrent_dropout_masks().size(), impl == 1 ? 4u : 0u);
    for (const auto& m : cell.dropout_masks())
      for (double v : m.to_vector()) EXPECT_TRUE(v == 0.0 || std::abs(v - 1.0 / 0.6) < 1e-12);
    // Reference with the cell's masks applied per gate (Keras 3 LSTMCell).
    const Mat K = mat_of(cell.kernel().value()), R = mat_of(cell.recurrent_kernel().value());
    const Vec bias = cell.bias().value().to_vector();
    const std::size_t U = 3;
    for (std::size_t b = 0; b < 3; ++b) {
      Vec z(4 * U);
      for (std::size_t j = 0; j < 4 * U; ++j) {
        const std::size_t g = j / U;
        const auto& mi = cell.dropout_masks()[impl == 1 ? g : 0];
        double a = bias[j];
        for (std::size_t k = 0; k < 4; ++k) a += x.at({b, 0, k}) * mi.at({b, k}) * K(k, j);
        for (std::size_t k = 0; k < U; ++k)
          a += s[0].at({b, k}) * (impl == 1 ? cell.recurrent_dropout_masks()[g].at({b, k}) : 1.0) * R(k, j);
        z[j] = a;
      }
      for (std::size_t u = 0; u < U; ++u) {
        const double c = sigm(z[U + u]) * s[1].at({b, u}) + sigm(z[u]) * std::tanh(z[2 * U + u]);
        EXPECT_NEAR(out.states[1].at({b, u}), c, 1e-12);
        EXPECT_NEAR(out.output.at({b, u}), sigm(z[3 * U + u]) * std::tanh(c), 1e-12);
      }
    }
  }
}
