// Initializers: Keras formulas (fans, limits, stddevs), orthogonality, seeding, identifiers.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

namespace {
struct Moments {
  double mean = 0, var = 0, max_abs = 0;
};
template <class T>
Moments moments(const Tensor<T>& t) {
  Moments m;
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i) m.mean += t.data()[i];
  m.mean /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double d = t.data()[i];
    m.var += (d - m.mean) * (d - m.mean);
    m.max_abs = std::max(m.max_abs, std::abs(d));
  }
  m.var /= static_cast<double>(n);
  return m;
}
// max |W W^T - I| for a (r, c) matrix.
double gram_error(const Tensor<float>& w) {
  const std::size_t r = w.dim(0), c = w.dim(1);
  double worst = 0;
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < r; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < c; ++k) s += double(w.data()[i * c + k]) * w.data()[j * c + k];
      worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
    }
  return worst;
}
}  // namespace

TEST(Initializers, FansFollowKeras) {
  auto f = compute_fans(Shape{8, 12});  // GRU kernel (I, 3U) with I=8, U=4
  EXPECT_EQ(f.fan_in, 8);
  EXPECT_EQ(f.fan_out, 12);
  f = compute_fans(Shape{5});
  EXPECT_EQ(f.fan_in, 5);
  EXPECT_EQ(f.fan_out, 5);
  f = compute_fans(Shape{3, 2, 4, 6});  // receptive field 6
  EXPECT_EQ(f.fan_in, 24);
  EXPECT_EQ(f.fan_out, 36);
  f = compute_fans(Shape{});
  EXPECT_EQ(f.fan_in, 1);
}

// Acceptance 5: glorot_uniform on a GRU kernel (I, 3U) stays within sqrt(6/(I+3U)), and its
// variance is within 5% of limit^2/3.
TEST(Initializers, GlorotUniformLimitAndVarianceOnGruKernel) {
  const std::size_t I = 64, U = 128;
  auto w = GlorotUniform(7).make<float>(Shape{I, 3 * U});
  const double limit = std::sqrt(6.0 / (I + 3.0 * U));
  const auto m = moments(w);
  EXPECT_LE(m.max_abs, limit);
  EXPECT_GT(m.max_abs, 0.99 * limit);  // really spans the range
  const double want = limit * limit / 3.0;
  std::printf("glorot_uniform (%zu,%zu): limit %.6f, variance %.6e vs %.6e (%.2f%%)\n", I, 3 * U, limit,
              m.var, want, 100.0 * (m.var - want) / want);
  EXPECT_NEAR(m.var, want, 0.05 * want);
  EXPECT_NEAR(m.mean, 0.0, 0.02 * limit);
  // docs/keras_contract.md §4.1: I=8, U=4 -> limit 0.5477226.
  EXPECT_NEAR(std::sqrt(6.0 / (8 + 12)), 0.5477226, 1e-7);
  EXPECT_LE(moments(get_initializer("glorot_uniform")->make<double>(Shape{8, 12})).max_abs, 0.5477226);
}

TEST(Initializers, VarianceScalingFamilies) {
  const Shape s{200, 300};  // fan_in 200, fan_out 300, 60000 samples
  struct Case {
    InitializerPtr init;
    double variance;   // the target variance
    double bound;      // |w| never exceeds it
  };
  const double tn = 0.87962566103423978;
  const std::vector<Case> cases = {
      {std::make_shared<GlorotNormal>(1), 2.0 / 500, 2 * std::sqrt(2.0 / 500) / tn},
      {std::make_shared<HeNormal>(2), 2.0 / 200, 2 * std::sqrt(2.0 / 200) / tn},
      {std::make_shared<HeUniform>(3), 2.0 / 200, std::sqrt(6.0 / 200)},
      {std::make_shared<LecunNormal>(4), 1.0 / 200, 2 * std::sqrt(1.0 / 200) / tn},
      {std::make_shared<LecunUniform>(5), 1.0 / 200, std::sqrt(3.0 / 200)},
      {std::make_shared<VarianceScaling>(3.0, "fan_out", "untruncated_normal", 6), 3.0 / 300, 1e9},
      {std::make_shared<VarianceScaling>(0.5, "fan_avg", "uniform", 7), 0.5 / 250, std::sqrt(1.5 / 250)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.init->repr());
    const auto m = moments(c.init->make<double>(s));
    EXPECT_NEAR(m.var, c.variance, 0.05 * c.variance);
    EXPECT_LE(m.max_abs, c.bound);
  }
}

TEST(Initializers, PlainDistributionsUseKerasDefaults) {
  const Shape s{100, 100};
  auto u = RandomUniform(-0.05, 0.05, 1).make<double>(s);
  auto mu = moments(u);
  EXPECT_LE(mu.max_abs, 0.05);
  EXPECT_NEAR(mu.var, 0.1 * 0.1 / 12, 0.05 * 0.1 * 0.1 / 12);
  auto n = moments(get_initializer("random_normal")->make<double>(s));
  EXPECT_NEAR(std::sqrt(n.var), 0.05, 0.05 * 0.05);
  auto t = moments(TruncatedNormal(1.0, 0.1, 3).make<double>(s));
  EXPECT_NEAR(t.mean, 1.0, 0.01);
  EXPECT_LE(t.max_abs, 1.2);
  auto e = moments(get_initializer("uniform")->make<double>(s));  // Embedding's default
  EXPECT_LE(e.max_abs, 0.05);
}

TEST(Initializers, ConstantsAndIdentity) {
  EXPECT_EQ(Zeros().make<float>(Shape{2, 3}).to_vector(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(Ones().make<float>(Shape{4}).to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_EQ(Constant(0.25).make<double>(Shape{3}).to_vector(), std::vector<double>(3, 0.25));
  auto id = Identity(2.0).make<float>(Shape{2, 3});
  EXPECT_EQ(id.to_vector(), (std::vector<float>{2, 0, 0, 0, 2, 0}));
  EXPECT_TRUE(throws_with<ValueError>([] { Identity().make<float>(Shape{2, 2, 2}); },
                                      {"Identity", "rank 2", "(2, 2, 2)"}));
}

// Acceptance 5: orthogonal on (U, 3U) has orthonormal rows, W W^T = I within 1e-5 in float.
TEST(Initializers, OrthogonalRowsOfRecurrentKernelAreOrthonormal) {
  for (std::size_t U : {1u, 4u, 32u}) {
    auto w = Orthogonal(1.0, 11).make<float>(Shape{U, 3 * U});
    const double err = gram_error(w);
    std::printf("orthogonal (%zu,%zu): max |W W^T - I| = %.3e\n", U, 3 * U, err);
    EXPECT_LE(err, 1e-5);
  }
  // Tall: columns orthonormal, i.e. the transpose has orthonormal rows.
  auto tall = Orthogonal(1.0, 12).make<float>(Shape{12, 4});
  EXPECT_LE(gram_error(transpose(tall)), 1e-5);
  // Square: both.
  auto sq = Orthogonal(1.0, 13).make<float>(Shape{6, 6});
  EXPECT_LE(gram_error(sq), 1e-5);
  EXPECT_LE(gram_error(transpose(sq)), 1e-5);
  // gain scales: W W^T = gain^2 I.
  auto g = Orthogonal(3.0, 11).make<float>(Shape{4, 12});
  auto unit = Orthogonal(1.0, 11).make<float>(Shape{4, 12});
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g.data()[i], 3.0f * unit.data()[i], 1e-6);
  // Rank >= 3 reshapes as Keras: rows = prod(shape[:-1]).
  auto r3 = Orthogonal(1.0, 14).make<float>(Shape{2, 2, 8});
  EXPECT_LE(gram_error(r3.view_as(Shape{4, 8})), 1e-5);
  EXPECT_TRUE(throws_with<ValueError>([] { Orthogonal().make<float>(Shape{5}); }, {"Orthogonal", "rank >= 2", "(5,)"}));
}

TEST(Initializers, OrthogonalSignCorrectionMakesItUnbiased) {
  // With the sign fix every entry of Q is symmetric around 0; without it R_jj > 0 (LAPACK's
  // convention for many draws) would bias the mean of Q's first column. Check the mean of
  // W[0][0] over many seeds.
  double s = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) s += Orthogonal(1.0, 1000 + i).make<double>(Shape{3, 3}).at({0, 0});
  EXPECT_NEAR(s / n, 0.0, 0.1);
}

TEST(Initializers, SeedsAreReproducible) {
  for (const auto& name : initializer_names()) {
    SCOPED_TRACE(name);
    auto a = get_initializer(name);
    auto b = get_initializer(name);
    const_cast<Initializer&>(*a).seed = 42;
    const_cast<Initializer&>(*b).seed = 42;
    const Shape s{4, 6};
    auto x = a->make<double>(s), y = b->make<double>(s), z = a->make<double>(s);
    EXPECT_EQ(x.to_vector(), y.to_vector());
    EXPECT_EQ(x.to_vector(), z.to_vector());  // a seeded initializer repeats itself, as Keras 3
    // float gets the same numbers rounded.
    auto f = a->make<float>(s);
    for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f.data()[i], static_cast<float>(x.data()[i]));
  }
  EXPECT_NE(GlorotUniform(1).make<float>(Shape{4, 4}).to_vector(),
            GlorotUniform(2).make<float>(Shape{4, 4}).to_vector());
  // Unseeded: default_generator, so successive draws differ and set_seed reproduces them.
  set_seed(5);
  auto u1 = GlorotUniform().make<float>(Shape{4, 4});
  auto u2 = GlorotUniform().make<float>(Shape{4, 4});
  EXPECT_NE(u1.to_vector(), u2.to_vector());
  set_seed(5);
  EXPECT_EQ(GlorotUniform().make<float>(Shape{4, 4}).to_vector(), u1.to_vector());
}

TEST(Initializers, IdentifiersAndArgs) {
  EXPECT_EQ(get_initializer("GlorotUniform")->name(), "GlorotUniform");
  EXPECT_EQ(get_initializer("glorot_uniform")->name(), "GlorotUniform");
  EXPECT_EQ(get_initializer("he_normal")->name(), "HeNormal");
  EXPECT_EQ(get_initializer("orthogonal")->name(), "Orthogonal");
  EXPECT_EQ(get_initializer("uniform")->repr(), "RandomUniform(minval=-0.05, maxval=0.05, seed=None)");
  EXPECT_TRUE(throws_with<ValueError>([] { get_initializer("glorot_uniformm"); },
                                      {"'glorot_uniformm'", "initializer", "glorot_uniform", "orthogonal"}));
  EXPECT_TRUE(throws_with<ValueError>([] { VarianceScaling(1.0, "fan_sum"); }, {"mode", "fan_avg", "'fan_sum'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { VarianceScaling(1.0, "fan_in", "cauchy"); }, {"distribution", "'cauchy'"}));
  EXPECT_TRUE(throws_with<ValueError>([] { VarianceScaling(-1.0); }, {"scale", "-1"}));

  struct Opts {
    InitializerArg kernel_initializer = "glorot_uniform";
  };
  EXPECT_EQ(Opts{}.kernel_initializer.ptr->name(), "GlorotUniform");
  EXPECT_EQ(Opts{.kernel_initializer = "zeros"}.kernel_initializer.ptr->name(), "Zeros");
  Opts o{.kernel_initializer = Orthogonal(2.0, 3)};
  auto* orth = dynamic_cast<const Orthogonal*>(o.kernel_initializer.ptr.get());
  ASSERT_NE(orth, nullptr);
  EXPECT_EQ(orth->gain, 2.0);
  EXPECT_EQ(*orth->seed, 3u);
  EXPECT_EQ(Opts{.kernel_initializer = std::make_shared<Constant>(1.5)}.kernel_initializer.ptr->repr(),
            "Constant(value=1.5)");
  EXPECT_TRUE(throws_with<ValueError>([] { InitializerArg a(InitializerPtr{}); }, {"null"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Opts bad{.kernel_initializer = "nope"}; }, {"'nope'"}));
}
