// Every primitive op against central differences in double precision (max relative error 1e-6),
// with broadcasting wherever the op broadcasts.
#include <gtest/gtest.h>

#include <functional>

#include "test_util.hpp"

using namespace loom;
using T = Tensor<double>;
using Inputs = std::vector<T>;

namespace {
T rnd(const Shape& s, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Generator g(seed);
  return random::uniform<double>(s, lo, hi, g);
}
// Values away from 0 and from the kinks of relu/abs/hard_sigmoid.
T away(const Shape& s, std::uint64_t seed) {
  auto t = rnd(s, seed, 0.2, 1.5);
  Generator g(seed + 100);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (g.bernoulli(0.5)) t.data()[i] = -t.data()[i];
  return t;
}
void expect_gradcheck(const GradcheckFn& f, const Inputs& xs) {
  auto r = gradcheck(f, xs);
  EXPECT_TRUE(r.ok) << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6);
}
}  // namespace

struct BinaryCase {
  const char* name;
  std::function<T(const T&, const T&)> op;
  bool positive_a = false;
  bool away_b = false;
};

class BinaryGrad : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryGrad, SameShapeAndBroadcast) {
  const auto& c = GetParam();
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{4, 1, 3}, {2, 1}}, {{1}, {2, 2}}, {{2, 3}, {}}};
  std::uint64_t seed = 1;
  for (const auto& [sa, sb] : shapes) {
    T a = c.positive_a ? rnd(sa, seed++, 0.5, 2.0) : away(sa, seed++);
    T b = c.away_b ? away(sb, seed++) : rnd(sb, seed++);
    if (c.away_b) {
      // keep maximum/minimum away from ties
      for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] *= 0.37;
    }
    expect_gradcheck([&](const Inputs& x) { return c.op(x[0], x[1]); }, {a, b});
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, BinaryGrad,
    ::testing::Values(BinaryCase{"add", [](const T& a, const T& b) { return a + b; }},
                      BinaryCase{"sub", [](const T& a, const T& b) { return a - b; }},
                      BinaryCase{"mul", [](const T& a, const T& b) { return a * b; }},
                      BinaryCase{"div", [](const T& a, const T& b) { return a / b; }, false, true},
                      BinaryCase{"maximum", [](const T& a, const T& b) { return maximum(a, b); }, false, true},
                      BinaryCase{"minimum", [](const T& a, const T& b) { return minimum(a, b); }, false, true},
                      BinaryCase{"pow", [](const T& a, const T& b) { return pow(a, b); }, true, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ScalarGrad, OperatorsWithNumbers) {
  auto a = away({2, 3}, 5);
  expect_gradcheck([](const Inputs& x) { return 2.0 * x[0] + 1 - x[0] / 3.0 + (1.5 - x[0]) * 0.5; }, {a});
  expect_gradcheck([](const Inputs& x) { return 2.0 / x[0]; }, {a});
}

struct UnaryCase {
  const char* name;
  std::function<T(const T&)> op;
  bool positive = false;
};

class UnaryGrad : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryGrad, MatchesFiniteDifferences) {
  const auto& c = GetParam();
  T x = c.positive ? rnd({3, 4}, 11, 0.3, 2.0) : away({3, 4}, 11);
  expect_gradcheck([&](const Inputs& in) { return c.op(in[0]); }, {x});
}

INSTANTIATE_TEST_SUITE_P(
    Ops, UnaryGrad,
    ::testing::Values(
        UnaryCase{"neg", [](const T& x) { return -x; }}, UnaryCase{"exp", [](const T& x) { return exp(x); }},
        UnaryCase{"log", [](const T& x) { return log(x); }, true},
        UnaryCase{"sqrt", [](const T& x) { return sqrt(x); }, true},
        UnaryCase{"square", [](const T& x) { return square(x); }},
        UnaryCase{"abs", [](const T& x) { return abs(x); }},
        UnaryCase{"pow_scalar", [](const T& x) { return pow(x, 3.0); }},
        UnaryCase{"pow_fractional", [](const T& x) { return pow(x, 1.5); }, true},
        UnaryCase{"tanh", [](const T& x) { return tanh(x); }},
        UnaryCase{"sigmoid", [](const T& x) { return sigmoid(x); }},
        UnaryCase{"hard_sigmoid", [](const T& x) { return hard_sigmoid(x * 2.0); }},
        UnaryCase{"relu", [](const T& x) { return relu(x); }},
        UnaryCase{"relu6", [](const T& x) { return relu6(x * 4.0); }},
        UnaryCase{"elu", [](const T& x) { return elu(x, 0.7); }},
        UnaryCase{"selu", [](const T& x) { return selu(x); }},
        UnaryCase{"leaky_relu", [](const T& x) { return leaky_relu(x, 0.3); }},
        UnaryCase{"softplus", [](const T& x) { return softplus(x); }},
        UnaryCase{"softsign", [](const T& x) { return softsign(x); }},
        UnaryCase{"swish", [](const T& x) { return swish(x); }},
        UnaryCase{"clip", [](const T& x) { return clip(x, -0.9, 0.9); }},
        UnaryCase{"softmax_last", [](const T& x) { return softmax(x, -1); }},
        UnaryCase{"softmax_axis0", [](const T& x) { return softmax(x, 0); }},
        UnaryCase{"log_softmax_last", [](const T& x) { return log_softmax(x, -1); }},
        UnaryCase{"log_softmax_axis0", [](const T& x) { return log_softmax(x, 0); }},
        UnaryCase{"sum_all", [](const T& x) { return sum(x); }},
        UnaryCase{"sum_axis0", [](const T& x) { return sum(x, {0}); }},
        UnaryCase{"sum_axis1_keep", [](const T& x) { return sum(x, {-1}, true); }},
        UnaryCase{"mean_all", [](const T& x) { return mean(x); }},
        UnaryCase{"mean_axes", [](const T& x) { return mean(x, {0, 1}); }},
        UnaryCase{"max_axis1", [](const T& x) { return max(x, 1); }},
        UnaryCase{"transpose", [](const T& x) { return transpose(x); }},
        UnaryCase{"reshape", [](const T& x) { return reshape(x, {2, -1}) * reshape(x, {2, 6}); }},
        UnaryCase{"slice", [](const T& x) { return slice(x, 1, 1, 3); }},
        UnaryCase{"take", [](const T& x) { return take(x, 0, 2); }},
        UnaryCase{"reverse", [](const T& x) { return reverse(x, 1) * x; }},
        UnaryCase{"split_concat", [](const T& x) {
          auto p = split(x, 2, 1);
          return concat(std::vector<T>{p[1] * 2.0, p[0]}, 1);
        }},
        UnaryCase{"split_sizes", [](const T& x) {
          auto p = split(x, std::vector<std::size_t>{1, 3}, 1);
          return sum(p[0]) * sum(p[1]);
        }},
        UnaryCase{"stack", [](const T& x) { return stack(std::vector<T>{x, x * x}, 1); }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(LinalgGrad, MatmulForms) {
  expect_gradcheck([](const Inputs& x) { return matmul(x[0], x[1]); }, {rnd({3, 4}, 1), rnd({4, 2}, 2)});
  expect_gradcheck([](const Inputs& x) { return matmul(x[0], x[1]); }, {rnd({2, 3, 4}, 3), rnd({2, 4, 5}, 4)});
  expect_gradcheck([](const Inputs& x) { return matmul(x[0], x[1]); }, {rnd({2, 3, 4}, 5), rnd({4, 5}, 6)});
  expect_gradcheck([](const Inputs& x) { return transpose(x[0], {2, 0, 1}); }, {rnd({2, 3, 4}, 7)});
}

TEST(WhereGrad, BroadcastsAllThree) {
  Tensor<double> cond{1, 0, 1};
  expect_gradcheck([cond](const Inputs& x) { return where(cond, x[0], x[1]); }, {rnd({2, 3}, 8), rnd({2, 1}, 9)});
}

TEST(Gradcheck, DetectsAWrongGradient) {
  // An op with a deliberately wrong backward must fail the check.
  auto bad = [](const Tensor<double>& x) {
    auto y = x.clone();
    if (autograd::should_record<double>({&x}))
      autograd::record<double>("bad", {&x}, {&y}, [](BackwardCtx<double>& c) { c.grad_in[0] = c.g() * 2.0; });
    return y;
  };
  auto r = gradcheck([&](const Inputs& x) { return bad(x[0]); }, {rnd({3}, 1)});
  EXPECT_FALSE(r.ok);
  EXPECT_GT(r.max_rel_error, 0.1);
}
