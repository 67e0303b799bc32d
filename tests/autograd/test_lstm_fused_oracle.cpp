// The fused LSTM sequence op (autograd/ops/lstm.hpp) against a composite LSTM built from
// primitive ops here (Keras's LSTMCell equations, step by step): forward values and gradients of
// all three results within 1e-5 in float and 1e-12 in double (also across chunks of timesteps),
// and a double gradcheck, over masks, go_backwards, dropout masks, no bias and other activations.
#include <gtest/gtest.h>

#include "autograd/ops/lstm.hpp"
#include "gru_fused_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::gru::activate;
using loom::testing::gru::pick;
using loom::testing::gru::rnd;

namespace {

using A = RnnActivation;

struct LstmConfig {
  std::string name;
  bool use_bias = true;
  bool go_backwards = false;
  bool mask = false;
  bool zero_output_for_mask = false;
  int input_masks = 0;      // 0, 1 (implementation 2) or 4 (implementation 1)
  int recurrent_masks = 0;  // 0, 1 or 4
  A activation = A::tanh;
  A recurrent_activation = A::sigmoid;
};

// gtest prints a parameter by its name instead of its bytes.
void PrintTo(const LstmConfig& c, std::ostream* os) { *os << c.name; }

std::vector<LstmConfig> configs() {
  return {
      {"plain"},
      {"no_bias", false},
      {"go_backwards", true, true},
      {"mask_carry", true, false, true},
      {"mask_zero_output_backwards", true, true, true, true},
      {"dropout_impl2", true, false, false, false, 1},
      {"dropout_impl1", true, false, false, false, 4, 4},
      {"dropout_shared_recurrent_mask", true, false, false, false, 0, 1},
      {"dropout_mask_backwards", true, true, true, false, 4, 4},
      {"hard_sigmoid", true, false, false, false, 0, 0, A::tanh, A::hard_sigmoid},
      {"relu_linear", true, false, true, false, 0, 0, A::relu, A::linear},
  };
}

template <class T>
struct Problem {
  Tensor<T> x, h0, c0, kernel, rkernel, bias;
  LstmSequenceOptions<T> opt;
};

template <class T>
Problem<T> make_problem(const LstmConfig& c, std::size_t B, std::size_t Tn, std::size_t I,
                        std::size_t U, std::uint64_t seed) {
  Problem<T> p;
  p.x = rnd<T>({B, Tn, I}, seed);
  p.h0 = rnd<T>({B, U}, seed + 1, -0.5, 0.5);
  p.c0 = rnd<T>({B, U}, seed + 2, -0.5, 0.5);
  const double w = c.activation == A::tanh ? 0.6 : 0.25;
  p.kernel = rnd<T>({I, 4 * U}, seed + 3, -w, w);
  p.rkernel = rnd<T>({U, 4 * U}, seed + 4, -w, w);
  if (c.use_bias) p.bias = rnd<T>({4 * U}, seed + 5, -0.3, 0.3);
  p.opt.go_backwards = c.go_backwards;
  p.opt.zero_output_for_mask = c.zero_output_for_mask;
  p.opt.activation = c.activation;
  p.opt.recurrent_activation = c.recurrent_activation;
  if (c.mask) p.opt.mask = loom::testing::gru::test_mask<T>(B, Tn, seed + 6);
  p.opt.input_dropout = loom::testing::gru::dropout_masks<T>(c.input_masks, {B, I}, 0.3, seed + 10);
  p.opt.recurrent_dropout =
      loom::testing::gru::dropout_masks<T>(c.recurrent_masks, {B, U}, 0.25, seed + 20);
  return p;
}

// The oracle: one step at a time, primitive ops only.
template <class T>
LstmSequenceResult<T> composite(const Problem<T>& p) {
  const auto& o = p.opt;
  const std::size_t B = p.x.dim(0), Tn = p.x.dim(1), U = p.h0.dim(1);
  const auto K = split(p.kernel, 4, 1);
  const auto R = split(p.rkernel, 4, 1);
  std::vector<Tensor<T>> bs;
  if (p.bias.defined()) bs = split(p.bias, 4, 0);
  Tensor<T> h = p.h0, c = p.c0, y_prev = Tensor<T>::zeros({B, U});
  std::vector<Tensor<T>> outs;
  for (std::size_t s = 0; s < Tn; ++s) {
    const std::size_t t = o.go_backwards ? Tn - 1 - s : s;
    const Tensor<T> xt = take(p.x, 1, t);
    Tensor<T> pre[4];
    for (std::size_t k = 0; k < 4; ++k) {
      const Tensor<T> xk = o.input_dropout.empty() ? xt : xt * pick(o.input_dropout, k);
      const Tensor<T> hk = o.recurrent_dropout.empty() ? h : h * pick(o.recurrent_dropout, k);
      pre[k] = matmul(xk, K[k]) + matmul(hk, R[k]);
      if (!bs.empty()) pre[k] = pre[k] + bs[k];
    }
    const auto i = activate(o.recurrent_activation, pre[0]);
    const auto f = activate(o.recurrent_activation, pre[1]);
    const auto g = activate(o.activation, pre[2]);
    const auto og = activate(o.recurrent_activation, pre[3]);
    const auto cn = f * c + i * g;
    const auto hn = og * activate(o.activation, cn);
    if (o.mask.defined()) {
      // m in {0, 1}, so these blends are exact selections.
      const auto m = reshape(take(o.mask, 1, t), {long(B), 1});
      const auto fill = o.zero_output_for_mask ? Tensor<T>::zeros({B, U}) : y_prev;
      y_prev = m * hn + (T(1) - m) * fill;
      h = m * hn + (T(1) - m) * h;
      c = m * cn + (T(1) - m) * c;
    } else {
      y_prev = hn;
      h = hn;
      c = cn;
    }
    outs.push_back(y_prev);
  }
  return {stack(outs, 1), h, c};
}

template <class T>
struct Grads {
  LstmSequenceResult<T> res;
  std::vector<Tensor<T>> g;  // x, h0, c0, kernel, recurrent_kernel[, bias]
};

// Gradients of sum(outputs * Gy) + sum(h * Gh) + sum(c * Gc): every result weighted differently.
template <class T, class F>
Grads<T> run(const Problem<T>& p, F&& f) {
  GradientTape<T> tape;
  std::vector<Tensor<T>> ins = {p.x, p.h0, p.c0, p.kernel, p.rkernel};
  if (p.bias.defined()) ins.push_back(p.bias);
  for (const auto& t : ins) tape.watch(t);
  Grads<T> out;
  out.res = f(p);
  auto loss = sum(out.res.outputs * rnd<T>(out.res.outputs.shape(), 77)) +
              sum(out.res.h * rnd<T>(out.res.h.shape(), 78)) +
              sum(out.res.c * rnd<T>(out.res.c.shape(), 79));
  out.g = tape.gradient(loss, ins);
  return out;
}

template <class T>
LstmSequenceResult<T> fused(const Problem<T>& p) {
  return lstm_sequence(p.x, p.h0, p.c0, p.kernel, p.rkernel, p.bias, p.opt);
}

template <class T>
void expect_agree(const Problem<T>& p, double tol, const std::string& where) {
  const auto a = run(p, fused<T>);
  const auto b = run(p, composite<T>);
  EXPECT_TRUE(all_close(a.res.outputs, b.res.outputs, tol, tol)) << "outputs, " << where;
  EXPECT_TRUE(all_close(a.res.h, b.res.h, tol, tol)) << "h, " << where;
  EXPECT_TRUE(all_close(a.res.c, b.res.c, tol, tol)) << "c, " << where;
  ASSERT_EQ(a.g.size(), b.g.size());
  const char* names[] = {"x", "h0", "c0", "kernel", "recurrent_kernel", "bias"};
  for (std::size_t i = 0; i < a.g.size(); ++i)
    EXPECT_TRUE(all_close(a.g[i], b.g[i], tol, tol)) << "grad " << names[i] << ", " << where;
}

class LstmFusedOracle : public ::testing::TestWithParam<LstmConfig> {};

TEST_P(LstmFusedOracle, FloatAgreesWithComposite) {
  // U = 6 exercises the padded tail of the vector activations, U = 16 the full vectors.
  for (std::size_t U : {6, 16})
    expect_agree(make_problem<float>(GetParam(), 4, 5, 7, U, 100 + U), 1e-5,
                 "U=" + std::to_string(U));
}

TEST_P(LstmFusedOracle, DoubleAgreesWithCompositeTightly) {
  expect_agree(make_problem<double>(GetParam(), 3, 4, 3, 5, 500), 1e-12, "double");
}

// 64 x 128 units make one step's gates rows 320 KiB, so six steps run as chunks of three.
TEST_P(LstmFusedOracle, DoubleAgreesWithCompositeAcrossChunks) {
  auto p = make_problem<double>(GetParam(), 64, 6, 5, 128, 700);
  p.rkernel = p.rkernel * 0.2;  // keeps relu bounded over 128 units
  expect_agree(p, 1e-11, "chunks");
}

TEST_P(LstmFusedOracle, DoubleGradcheck) {
  const auto p = make_problem<double>(GetParam(), 3, 4, 3, 5, 300);
  const bool has_bias = p.bias.defined();
  std::vector<Tensor<double>> ins = {p.x, p.h0, p.c0, p.kernel, p.rkernel};
  if (has_bias) ins.push_back(p.bias);
  auto f = [&](const std::vector<Tensor<double>>& v) {
    auto r = lstm_sequence(v[0], v[1], v[2], v[3], v[4], has_bias ? v[5] : Tensor<double>(), p.opt);
    const long B = long(p.x.dim(0));
    return concat(std::vector<Tensor<double>>{reshape(r.outputs, {B, -1}), r.h, r.c}, 1);
  };
  auto r = gradcheck(f, ins);
  EXPECT_TRUE(r.ok) << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Configs, LstmFusedOracle, ::testing::ValuesIn(configs()),
                         [](const auto& info) { return info.param.name; });

}  // namespace

// Without a tape the op keeps two steps' states only; the results must not change.
TEST(LstmFused, SameResultsWithoutTape) {
  for (const auto& c : configs()) {
    auto p = make_problem<float>(c, 3, 6, 4, 9, 900);
    auto plain = fused(p);
    GradientTape<float> tape;
    tape.watch(p.x);
    auto taped = fused(p);
    EXPECT_EQ(tape.num_records(), 1u) << c.name;
    EXPECT_TRUE(all_close(plain.outputs, taped.outputs, 0.0)) << c.name;
    EXPECT_TRUE(all_close(plain.h, taped.h, 0.0)) << c.name;
    EXPECT_TRUE(all_close(plain.c, taped.c, 0.0)) << c.name;
  }
}

TEST(LstmFused, BadArgumentsNameTheArgument) {
  auto p = make_problem<float>(configs()[0], 2, 3, 4, 5, 1);
  auto expect_throw = [](auto&& f, const std::string& want) {
    try {
      f();
      ADD_FAILURE() << "no exception, expected: " << want;
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  };
  expect_throw([&] { lstm_sequence(p.h0, p.h0, p.c0, p.kernel, p.rkernel, p.bias); },
               "lstm_sequence: x expected shape (batch, timesteps, features), received (2, 5)");
  expect_throw([&] { lstm_sequence(p.x, p.h0, p.c0, p.kernel, p.kernel, p.bias); },
               "recurrent_kernel expected shape (units, 4*units), received (4, 20)");
  expect_throw([&] { lstm_sequence(p.x, p.h0, p.h0.view_as(Shape{5, 2}), p.kernel, p.rkernel, p.bias); },
               "c0 (initial cell state) expected shape (2, 5), received (5, 2)");
  expect_throw([&] { lstm_sequence(p.x, p.h0, Tensor<float>(), p.kernel, p.rkernel, p.bias); },
               "c0 (initial cell state) expected a defined tensor of shape (2, 5)");
  expect_throw([&] { lstm_sequence(p.x, p.h0, p.c0, p.kernel, p.rkernel, p.h0); },
               "bias expected shape (20,), received (2, 5)");
  LstmSequenceOptions<float> o;
  o.input_dropout = {p.h0, p.h0, p.h0};
  expect_throw([&] { lstm_sequence(p.x, p.h0, p.c0, p.kernel, p.rkernel, p.bias, o); },
               "input_dropout expected 0, 1 or 4 masks (none, one for all gates, or i, f, c, o), "
               "received 3");
}
