// Regularizer penalties and constraint projections against hand-computed values (python,
// float64) on small matrices; gradients of penalties; identifiers.
#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::throws_with;

namespace {
const Tensor<double> W{{1.0, -2.0, 3.0}, {-4.0, 0.5, -6.0}};  // sum|w| = 16.5, sum w^2 = 66.25
Tensor<double> expect23(std::vector<double> v) { return Tensor<double>(Shape{2, 3}, v); }
}  // namespace

TEST(Regularizers, PenaltiesMatchHandValues) {
  EXPECT_NEAR(L1(0.01)(W).item(), 0.165, 1e-15);
  EXPECT_NEAR(L2(0.01)(W).item(), 0.6625, 1e-15);
  EXPECT_NEAR(L1L2(0.1, 0.2)(W).item(), 1.65 + 13.25, 1e-13);
  EXPECT_EQ(L1(0.01)(W).rank(), 0u);
  // Strings: tf.keras defaults 0.01; "l1_l2" both 0.01; Keras 3 "l1l2" both 0.
  EXPECT_NEAR((*get_regularizer("l1"))(W).item(), 0.165, 1e-15);
  EXPECT_NEAR((*get_regularizer("l2"))(W).item(), 0.6625, 1e-15);
  EXPECT_NEAR((*get_regularizer("l1_l2"))(W).item(), 0.165 + 0.6625, 1e-15);
  EXPECT_EQ((*get_regularizer("l1l2"))(W).item(), 0.0);
  // Float too.
  EXPECT_NEAR(L2(0.5)(Tensor<float>{{1, 2}, {3, 4}}).item(), 15.0f, 1e-6);
  EXPECT_EQ(get_regularizer("l2")->repr(), "L2(l2=0.01)");
}

TEST(Regularizers, PenaltyGradientsAndGradcheck) {
  Variable<double> v(W, "w");
  GradientTape<double> tape;
  auto p = L1L2(0.1, 0.2)(v.value());
  auto g = tape.gradient(p, v.value());
  // 0.1 * sign(w) + 0.4 * w
  EXPECT_TRUE(all_close(g, expect23({0.5, -0.9, 1.3, -1.7, 0.3, -2.5}), 1e-15));
  for (const char* id : {"l1", "l2", "l1_l2"}) {
    auto r = get_regularizer(id);
    auto res = gradcheck([&](const std::vector<Tensor<double>>& in) { return (*r)(in[0]); }, {W});
    EXPECT_TRUE(res.ok) << id << ": " << res.str();
    EXPECT_LE(res.max_rel_error, 1e-6);
  }
}

TEST(Regularizers, BadFactorsAndIdentifiers) {
  EXPECT_TRUE(throws_with<ValueError>([] { L1(-0.1); }, {"l1", "-0.1", ">= 0"}));
  EXPECT_TRUE(throws_with<ValueError>([] { L2(std::nan("")); }, {"l2", "nan"}));
  EXPECT_TRUE(throws_with<ValueError>([] { get_regularizer("l3"); }, {"'l3'", "l1", "l1_l2"}));
  struct Opts {
    RegularizerArg kernel_regularizer = nullptr;
  };
  EXPECT_EQ(Opts{}.kernel_regularizer.ptr, nullptr);
  EXPECT_EQ(Opts{.kernel_regularizer = "l2"}.kernel_regularizer.ptr->name(), "L2");
  EXPECT_EQ(Opts{.kernel_regularizer = L1(0.3)}.kernel_regularizer.ptr->repr(), "L1(l1=0.3)");
  EXPECT_EQ(Opts{.kernel_regularizer = nullptr}.kernel_regularizer.ptr, nullptr);
}

TEST(Constraints, ProjectionsMatchHandValues) {
  // Column norms (axis 0): 4.1231, 2.0616, 6.7082.
  EXPECT_TRUE(all_close(MaxNorm(2.0)(W),
                        expect23({0.48507123830796034, -1.9402849061730214, 0.89442717766658264,
                                  -1.9402849532318414, 0.48507122654325535, -1.7888543553331653}),
                        1e-15, 1e-14));
  // Row norms (axis 1 / -1): 3.7417, 7.2284.
  EXPECT_TRUE(all_close(MaxNorm(5.0, 1)(W),
                        expect23({0.99999997327387657, -1.9999999465477531, 2.9999999198216298,
                                  -2.766857817186787, 0.34585722714834838, -4.1502867257801803}),
                        1e-15, 1e-14));
  EXPECT_TRUE(all_close(UnitNorm()(W),
                        expect23({0.24253561915398017, -0.9701424530865107, 0.44721358883329132,
                                  -0.97014247661592068, 0.24253561327162768, -0.89442717766658264}),
                        1e-15, 1e-14));
  EXPECT_TRUE(all_close(UnitNorm(-1)(W),
                        expect23({0.26726123476956742, -0.53452246953913485, 0.80178370430870238,
                                  -0.55337156343735738, 0.069171445429669673, -0.83005734515603613}),
                        1e-15, 1e-14));
  EXPECT_TRUE(all_close(MinMaxNorm(2.5, 4.5, 0.5)(W),
                        expect23({0.99999997574643806, -2.2126780178510161, 2.5062305525142259,
                                  -3.9999999029857523, 0.55316950446275404, -5.0124611050284518}),
                        1e-15, 1e-14));
  EXPECT_TRUE(all_close(NonNeg()(W), expect23({1, 0, 3, 0, 0.5, 0}), 0.0));
  // A 1-D bias with axis 0 has one norm over the whole vector (docs/keras_contract.md §3.2):
  // |(3,4)| = 5.
  EXPECT_TRUE(all_close(MaxNorm(2.0)(Tensor<double>{3, 4}),
                        Tensor<double>{1.1999999760000004, 1.5999999680000005}, 1e-15, 1e-14));
  // Float path.
  auto f = UnitNorm()(Tensor<float>{{3, 0}, {4, 1}});
  EXPECT_TRUE(all_close(f, Tensor<float>{{0.6f, 0}, {0.8f, 1}}, 1e-6));
}

TEST(Constraints, VariableAdapterAndIdentifiers) {
  Variable<float> v(Tensor<float>{-1, 2}, "v");
  v.set_constraint(as_variable_constraint<float>(get_constraint("non_neg")));
  v.assign(v.constraint()(v.value()));
  EXPECT_EQ(v.value().to_vector(), (std::vector<float>{0, 2}));
  EXPECT_FALSE(static_cast<bool>(as_variable_constraint<float>(nullptr)));
  EXPECT_EQ(get_constraint("max_norm")->repr(), "MaxNorm(max_value=2, axis=0)");
  EXPECT_EQ(get_constraint("MinMaxNorm")->repr(), "MinMaxNorm(min_value=0, max_value=1, rate=1, axis=0)");
  EXPECT_EQ(get_constraint("unit_norm")->name(), "UnitNorm");
  EXPECT_TRUE(throws_with<ValueError>([] { get_constraint("maxnorm2"); }, {"'maxnorm2'", "max_norm"}));
  EXPECT_TRUE(throws_with<ValueError>([] { MaxNorm(2.0, 2)(W); }, {"MaxNorm", "axis", "(2, 3)", "received 2"}));
  struct Opts {
    ConstraintArg kernel_constraint = nullptr;
  };
  EXPECT_EQ(Opts{}.kernel_constraint.ptr, nullptr);
  EXPECT_EQ(Opts{.kernel_constraint = "non_neg"}.kernel_constraint.ptr->name(), "NonNeg");
  EXPECT_EQ(Opts{.kernel_constraint = MaxNorm(3.0)}.kernel_constraint.ptr->repr(), "MaxNorm(max_value=3, axis=0)");
}
