// The fused GRU sequence op against the composite GRU built from primitive ops (the oracle, in
// gru_fused_util.hpp): forward values and gradients within 1e-5 in float, and a double gradcheck,
// over masks, go_backwards, dropout masks, no bias, reset_after false and other activations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "autograd/ops/gru_kernels.hpp"
#include "autograd/ops/rnn_lanes.hpp"
#include "gru_fused_util.hpp"

using namespace loom;
using namespace loom::testing::gru;
using loom::testing::all_close;

namespace {

template <class T>
struct Grads {
  GruSequenceResult<T> res;
  std::vector<Tensor<T>> g;  // x, h0, kernel, recurrent_kernel[, bias]
};

// Gradients of sum(outputs * Gy) + sum(state * Gh), which weights both results of the record.
template <class T, class F>
Grads<T> run(const Problem<T>& p, F&& f) {
  GradientTape<T> tape;
  std::vector<Tensor<T>> ins = {p.x, p.h0, p.kernel, p.rkernel};
  if (p.bias.defined()) ins.push_back(p.bias);
  for (const auto& t : ins) tape.watch(t);
  Grads<T> out;
  out.res = f(p);
  const auto Gy = rnd<T>(out.res.outputs.shape(), 77);
  const auto Gh = rnd<T>(out.res.state.shape(), 78);
  auto loss = sum(out.res.outputs * Gy) + sum(out.res.state * Gh);
  out.g = tape.gradient(loss, ins);
  return out;
}

class GruFusedOracle : public ::testing::TestWithParam<GruConfig> {};

TEST_P(GruFusedOracle, FloatAgreesWithComposite) {
  // U = 6 exercises the padded tail of the vector activations, U = 16 the full vectors.
  for (std::size_t U : {6, 16}) {
    auto p = make_problem<float>(GetParam(), 4, 5, 7, U, 100 + U);
    auto fused = run(p, [](const Problem<float>& q) {
      return gru_sequence(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
    });
    auto comp = run(p, [](const Problem<float>& q) {
      return composite(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
    });
    EXPECT_TRUE(all_close(fused.res.outputs, comp.res.outputs, 1e-5)) << "outputs, U=" << U;
    EXPECT_TRUE(all_close(fused.res.state, comp.res.state, 1e-5)) << "state, U=" << U;
    ASSERT_EQ(fused.g.size(), comp.g.size());
    const char* names[] = {"x", "h0", "kernel", "recurrent_kernel", "bias"};
    for (std::size_t i = 0; i < fused.g.size(); ++i)
      EXPECT_TRUE(all_close(fused.g[i], comp.g[i], 1e-5)) << "grad " << names[i] << ", U=" << U;
  }
}

TEST_P(GruFusedOracle, DoubleGradcheck) {
  const auto p = make_problem<double>(GetParam(), 3, 4, 3, 5, 300);
  const bool has_bias = p.bias.defined();
  std::vector<Tensor<double>> ins = {p.x, p.h0, p.kernel, p.rkernel};
  if (has_bias) ins.push_back(p.bias);
  auto f = [&](const std::vector<Tensor<double>>& v) {
    auto r = gru_sequence(v[0], v[1], v[2], v[3], has_bias ? v[4] : Tensor<double>(), p.opt);
    const long B = long(p.x.dim(0));
    return concat(std::vector<Tensor<double>>{reshape(r.outputs, {B, -1}), r.state}, 1);
  };
  auto r = gradcheck(f, ins);
  EXPECT_TRUE(r.ok) << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6);
}

TEST_P(GruFusedOracle, DoubleAgreesWithCompositeTightly) {
  auto p = make_problem<double>(GetParam(), 3, 4, 3, 5, 500);
  auto fused = run(p, [](const Problem<double>& q) {
    return gru_sequence(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
  });
  auto comp = run(p, [](const Problem<double>& q) {
    return composite(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
  });
  EXPECT_TRUE(all_close(fused.res.outputs, comp.res.outputs, 1e-12));
  for (std::size_t i = 0; i < fused.g.size(); ++i)
    EXPECT_TRUE(all_close(fused.g[i], comp.g[i], 1e-12)) << "grad " << i;
}

// Long enough sequences are processed in chunks of timesteps (gru_chunk_steps): the projection of
// a chunk, and its input-side gradients, run chunk by chunk. Six steps in chunks of four leave a
// short last chunk, forwards and (go_backwards) in reverse.
TEST_P(GruFusedOracle, DoubleAgreesWithCompositeAcrossChunks) {
  const std::size_t B = 64, Tn = 6, I = 5, U = 128;
  const std::size_t C = gru_detail::gru_chunk_steps(B, U, Tn, sizeof(double));
  ASSERT_GT(C, 1u);
  ASSERT_LT(C, Tn);
  ASSERT_NE(Tn % C, 0u);
  auto p = make_problem<double>(GetParam(), B, Tn, I, U, 700);
  // make_problem's weight scale is meant for a few units; 128 would make relu explode (1e16).
  p.rkernel = p.rkernel * 0.2;
  auto fused = run(p, [](const Problem<double>& q) {
    return gru_sequence(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
  });
  auto comp = run(p, [](const Problem<double>& q) {
    return composite(q.x, q.h0, q.kernel, q.rkernel, q.bias, q.opt);
  });
  EXPECT_TRUE(all_close(fused.res.outputs, comp.res.outputs, 1e-11, 1e-11));
  EXPECT_TRUE(all_close(fused.res.state, comp.res.state, 1e-11, 1e-11));
  const char* names[] = {"x", "h0", "kernel", "recurrent_kernel", "bias"};
  for (std::size_t i = 0; i < fused.g.size(); ++i)
    EXPECT_TRUE(all_close(fused.g[i], comp.g[i], 1e-11, 1e-11)) << "grad " << names[i];
}

INSTANTIATE_TEST_SUITE_P(Configs, GruFusedOracle, ::testing::ValuesIn(configs()),
                         [](const auto& info) { return info.param.name; });

}  // namespace

// Without a tape the op keeps one step's values only; the results must not change.
TEST(GruFused, SameResultsWithoutTape) {
  for (const auto& c : configs()) {
    auto p = make_problem<float>(c, 3, 6, 4, 9, 900);
    auto plain = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
    GradientTape<float> tape;
    tape.watch(p.x);
    auto taped = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
    EXPECT_EQ(tape.num_records(), 1u) << c.name;
    EXPECT_TRUE(all_close(plain.outputs, taped.outputs, 0.0)) << c.name;
    EXPECT_TRUE(all_close(plain.state, taped.state, 0.0)) << c.name;
  }
}

// The state is the last *unmasked* output; masked outputs carry the previous one (or zeros).
TEST(GruFused, MaskSemantics) {
  GruConfig c{"m", true, true, false, true};
  auto p = make_problem<double>(c, 3, 5, 2, 3, 42);
  auto r = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
  // sample 0 is right-padded: its last output repeats step 3's, and the state equals it
  for (std::size_t u = 0; u < 3; ++u) {
    EXPECT_EQ(r.outputs.at({0, 4, u}), r.outputs.at({0, 3, u}));
    EXPECT_EQ(r.state.at({0, u}), r.outputs.at({0, 3, u}));
    EXPECT_EQ(r.outputs.at({1, 0, u}), 0.0);  // sample 1's first step is masked
  }
  p.opt.zero_output_for_mask = true;
  auto z = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
  for (std::size_t u = 0; u < 3; ++u) {
    EXPECT_EQ(z.outputs.at({0, 4, u}), 0.0);
    EXPECT_EQ(z.outputs.at({1, 2, u}), 0.0);
    EXPECT_EQ(z.state.at({0, u}), r.state.at({0, u}));
  }
}

TEST(GruFused, OnlyStateOrOnlyOutputsDifferentiated) {
  auto p = make_problem<double>(GruConfig{"d"}, 2, 3, 2, 3, 7);
  GradientTape<double> tape(true);
  tape.watch(p.kernel);
  auto r = gru_sequence(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
  auto gs = tape.gradient(sum(r.state), p.kernel);
  auto go = tape.gradient(sum(r.outputs), p.kernel);
  auto comp_tape = GradientTape<double>(true);
  comp_tape.watch(p.kernel);
  auto c = composite(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
  EXPECT_TRUE(all_close(gs, comp_tape.gradient(sum(c.state), p.kernel), 1e-12));
  EXPECT_TRUE(all_close(go, comp_tape.gradient(sum(c.outputs), p.kernel), 1e-12));
}

TEST(GruFused, BadArgumentsNameTheArgument) {
  using loom::testing::throws_with;
  auto p = make_problem<float>(GruConfig{"e"}, 2, 3, 4, 5, 1);
  auto call = [&](const Tensor<float>& k, const Tensor<float>& b, GruSequenceOptions<float> o) {
    return [&, k, b, o] { gru_sequence(p.x, p.h0, k, p.rkernel, b, o); };
  };
  EXPECT_TRUE(throws_with<ShapeError>(call(Tensor<float>::zeros({5, 15}), p.bias, p.opt),
                                      {"gru_sequence", "kernel", "(4, 15)", "(5, 15)"}));
  EXPECT_TRUE(throws_with<ShapeError>(call(p.kernel, Tensor<float>::zeros({15}), p.opt),
                                      {"gru_sequence", "bias", "(2, 15)"}));
  auto o = p.opt;
  o.mask = Tensor<float>::ones({2, 4});
  EXPECT_TRUE(throws_with<ShapeError>(call(p.kernel, p.bias, o), {"mask", "(2, 3)", "(2, 4)"}));
  o = p.opt;
  o.recurrent_dropout = {Tensor<float>::ones({2, 5}), Tensor<float>::ones({2, 5})};
  EXPECT_TRUE(throws_with<ValueError>(call(p.kernel, p.bias, o), {"recurrent_dropout", "3", "2"}));
  EXPECT_TRUE(throws_with<ValueError>([] { rnn_activation_from_name("softmax"); },
                                      {"activation", "softmax"}));
  EXPECT_TRUE(rnn_sequence_supports("tanh", "hard_sigmoid"));
  EXPECT_FALSE(rnn_sequence_supports("tanh", "swish"));
}

// The float activations are vectorised approximations, both TensorFlow's own (Eigen's rational
// forms): tanh within a few 1e-7 of the exact function, absolute and relative; sigmoid within 2e-7
// absolute, and relative too where its result is at least 1/2 or where it switches to exp (below
// -9), but only within 1e-3 relative for x in [-9, 0), as in TensorFlow. Every lane of a full vector
// and of a masked tail (rows whose length is not a multiple of the vector width) is checked, and a
// NaN input stays NaN through every float activation.
TEST(GruFused, FastActivationsAccuracy) {
  namespace L = rnn_kernel::lanes;
  std::vector<float> xs;
  for (int i = -40000; i <= 40000; ++i) xs.push_back(float(i) * 5e-4f);
  for (float v : {-90.f, -30.f, -10.f, -9.5f, -9.f, -1e-5f, 0.f, 1e-5f, 10.f, 15.8f, 30.f, 90.f})
    xs.push_back(v);
  const std::size_t n = xs.size();  // not a multiple of the width: the last vector is a tail
  ASSERT_NE(n % L::VF::size, 0u);
  auto apply = [](const std::vector<float>& in, auto act) {
    std::vector<float> ys(in.size(), -7.f);
    L::each<float>(in.size(), [&](std::size_t u, const auto& io) {
      io.st(ys.data() + u, act(io.ld(in.data() + u)));
    });
    return ys;
  };
  const auto th = apply(xs, [](L::VF v) { return L::act<RnnActivation::tanh>(v); });
  const auto sg = apply(xs, [](L::VF v) { return L::act<RnnActivation::sigmoid>(v); });
  double worst_t = 0, worst_t_rel = 0, worst_s = 0, worst_s_rel = 0, worst_s_rel_neg = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = xs[i], t = std::tanh(x), s = 1.0 / (1.0 + std::exp(-x));
    worst_t = std::max(worst_t, std::abs(th[i] - t));
    worst_t_rel = std::max(worst_t_rel, std::abs(th[i] - t) / std::max(std::abs(t), 1e-30));
    worst_s = std::max(worst_s, std::abs(sg[i] - s));
    const double rel = std::abs(sg[i] - s) / std::max(s, 1e-30);
    if (x >= -9.0 && x < 0.0)
      worst_s_rel_neg = std::max(worst_s_rel_neg, rel);
    else
      worst_s_rel = std::max(worst_s_rel, rel);
  }
  std::printf("tanh: max abs %.3g rel %.3g; sigmoid: max abs %.3g rel %.3g (%.3g on [-9, 0))\n",
              worst_t, worst_t_rel, worst_s, worst_s_rel, worst_s_rel_neg);
  EXPECT_LT(worst_t, 4e-7);
  EXPECT_LT(worst_t_rel, 4e-7);
  EXPECT_LT(worst_s, 2e-7);
  EXPECT_LT(worst_s_rel, 3e-7);
  EXPECT_LT(worst_s_rel_neg, 1e-3);

  // NaN in the first lane of a full vector and in a tail lane, among lanes low enough (-20) to take
  // sigmoid's exp branch.
  std::vector<float> with_nan(L::VF::size + 3, -20.f);
  with_nan[0] = with_nan[L::VF::size + 1] = std::numeric_limits<float>::quiet_NaN();
  auto expect_nan = [&](const char* name, auto act) {
    const auto ys = apply(with_nan, act);
    EXPECT_TRUE(std::isnan(ys[0]) && std::isnan(ys[L::VF::size + 1])) << name;
    EXPECT_FALSE(std::isnan(ys[1])) << name;
  };
  expect_nan("tanh", [](L::VF v) { return L::act<RnnActivation::tanh>(v); });
  expect_nan("sigmoid", [](L::VF v) { return L::act<RnnActivation::sigmoid>(v); });
  expect_nan("hard_sigmoid", [](L::VF v) { return L::act<RnnActivation::hard_sigmoid>(v); });
  expect_nan("relu", [](L::VF v) { return L::act<RnnActivation::relu>(v); });
}

// The fused single step against one step of the oracle, and its double gradcheck.
TEST(GruFusedCellStep, AgreesWithCompositeAndGradchecks) {
  for (const auto& c : configs()) {
    if (c.mask || c.go_backwards) continue;
    auto p = make_problem<double>(c, 3, 1, 4, 5, 1200);
    GruCellOptions<double> co{p.opt.reset_after, p.opt.activation, p.opt.recurrent_activation,
                              p.opt.input_dropout, p.opt.recurrent_dropout};
    const auto x2 = reshape(p.x, {3, 4});
    auto step = gru_cell_step(x2, p.h0, p.kernel, p.rkernel, p.bias, co);
    auto ref = composite(p.x, p.h0, p.kernel, p.rkernel, p.bias, p.opt);
    EXPECT_TRUE(all_close(step, ref.state, 1e-12)) << c.name;
    std::vector<Tensor<double>> ins = {x2, p.h0, p.kernel, p.rkernel};
    if (p.bias.defined()) ins.push_back(p.bias);
    const bool has_bias = p.bias.defined();
    auto r = gradcheck(
        [&](const std::vector<Tensor<double>>& v) {
          return gru_cell_step(v[0], v[1], v[2], v[3], has_bias ? v[4] : Tensor<double>(), co);
        },
        ins);
    EXPECT_TRUE(r.ok) << c.name << ": " << r.str();
  }
  auto p = make_problem<float>(GruConfig{"f"}, 2, 1, 3, 4, 5);
  EXPECT_TRUE(loom::testing::throws_with<ShapeError>(
      [&] { gru_cell_step(p.x, p.h0, p.kernel, p.rkernel, p.bias); },
      {"gru_cell_step", "x", "(batch, features)"}));
}
