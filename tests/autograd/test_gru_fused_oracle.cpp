// The fused GRU sequence op against the composite GRU built from primitive ops (the oracle, in
// gru_fused_util.hpp): forward values and gradients within 1e-5 in float, and a double gradcheck,
// over masks, go_backwards, dropout masks, no bias, reset_after false and other activations.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops/fast_math.hpp"
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
  EXPECT_TRUE(throws_with<ValueError>([] { gru_activation_from_name("softmax"); },
                                      {"activation", "softmax"}));
  EXPECT_TRUE(gru_sequence_supports("tanh", "hard_sigmoid"));
  EXPECT_FALSE(gru_sequence_supports("tanh", "swish"));
}

// The float activations are vectorised approximations; they must stay within about 1e-7.
TEST(GruFused, FastActivationsAccuracy) {
  std::vector<float> xs;
  for (int i = -40000; i <= 40000; ++i) xs.push_back(float(i) * 5e-4f);
  for (float v : {-90.f, -30.f, -10.f, 10.f, 30.f, 90.f}) xs.push_back(v);
  for (auto a : {GruActivation::tanh, GruActivation::sigmoid}) {
    auto ys = xs;
    fast::activate(a, ys.data(), ys.size());
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double x = xs[i];
      const double exact = a == GruActivation::tanh ? std::tanh(x) : 1.0 / (1.0 + std::exp(-x));
      worst = std::max(worst, std::abs(ys[i] - exact) / std::max(std::abs(exact), 1e-30));
    }
    EXPECT_LT(worst, 3e-7) << (a == GruActivation::tanh ? "tanh" : "sigmoid");
  }
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
