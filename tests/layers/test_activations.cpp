// Every Keras activation against hand-computed values (python math, float64), in float and
// double, plus a double gradcheck and the identifier errors.
#include <gtest/gtest.h>

#include <map>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::throws_with;

namespace {
const std::vector<double> kX = {-3, -0.5, 0.0, 0.7, 2.6};
const std::map<std::string, std::vector<double>> kExpected = {
    {"linear", {-3, -0.5, 0.0, 0.7, 2.6}},
    {"tanh", {-0.99505475368673046, -0.46211715726000974, 0, 0.60436777711716361, 0.98902740220109919}},
    {"sigmoid", {0.047425873177566781, 0.37754066879814541, 0.5, 0.66818777216816616, 0.93086157965665328}},
    // tf.keras 2.x: clip(0.2x + 0.5, 0, 1)
    {"hard_sigmoid", {0.0, 0.4, 0.5, 0.64, 1.0}},
    {"relu", {0, 0, 0, 0.7, 2.6}},
    {"elu", {-0.95021293163213605, -0.39346934028736658, 0, 0.7, 2.6}},
    {"selu", {-1.6705687287671118, -0.69175818780287135, 0, 0.73549069114883625, 2.7318225671242491}},
    {"softplus", {0.048587351573742062, 0.47407698418010669, 0.69314718055994529, 1.1031860488854579, 2.67164469196767}},
    {"softsign", {-0.75, -0.33333333333333331, 0, 0.41176470588235292, 0.72222222222222221}},
    {"swish", {-0.14227761953270035, -0.1887703343990727, 0, 0.46773144051771626, 2.4202401071072988}},
    {"exponential", {0.049787068367863944, 0.60653065971263342, 1, 2.0137527074704766, 13.463738035001692}},
    {"softmax", {0.0029057794391382048, 0.0353996404684375, 0.058364140215449958, 0.11753094537804888, 0.7857994944989255}},
};
}  // namespace

TEST(Activations, MatchHandValuesInFloatAndDouble) {
  ASSERT_EQ(activation_names().size(), kExpected.size());
  for (const auto& name : activation_names()) {
    SCOPED_TRACE(name);
    const auto& want = kExpected.at(name);
    auto act = get_activation(name);
    EXPECT_EQ(act->name(), name);
    auto yd = (*act)(Tensor<double>(Shape{1, 5}, kX));
    EXPECT_TRUE(all_close(yd, Tensor<double>(Shape{1, 5}, want), 1e-15, 1e-14));
    std::vector<float> xf(kX.begin(), kX.end()), wf(want.begin(), want.end());
    auto yf = (*act)(Tensor<float>(Shape{1, 5}, xf));
    EXPECT_TRUE(all_close(yf, Tensor<float>(Shape{1, 5}, wf), 1e-6, 1e-6));
  }
}

TEST(Activations, SoftmaxNormalisesTheLastAxis) {
  auto y = (*get_activation("softmax"))(Tensor<double>{{1, 2, 3}, {-1, -1, -1}});
  EXPECT_NEAR(y.at({0, 0}) + y.at({0, 1}) + y.at({0, 2}), 1.0, 1e-15);
  EXPECT_NEAR(y.at({1, 1}), 1.0 / 3.0, 1e-15);
}

TEST(Activations, GradcheckDouble) {
  // Points away from the kinks of relu (0) and hard_sigmoid (+-2.5).
  const Tensor<double> x(Shape{2, 4}, std::vector<double>{-2.1, -0.8, -0.3, 0.4, 0.9, 1.7, 2.2, -1.3});
  for (const auto& name : activation_names()) {
    SCOPED_TRACE(name);
    auto act = get_activation(name);
    auto r = gradcheck([&](const std::vector<Tensor<double>>& in) { return (*act)(in[0]); }, {x});
    EXPECT_TRUE(r.ok) << r.str();
    EXPECT_LE(r.max_rel_error, 1e-6);
  }
}

TEST(Activations, LinearAndNoneAreTheIdentity) {
  auto x = Tensor<float>{1, -2, 3};
  EXPECT_EQ(get_activation("")->name(), "linear");
  ActivationArg none = nullptr;
  EXPECT_EQ(none.ptr->name(), "linear");
  EXPECT_EQ((*none.ptr)(x).id(), x.id());  // no copy, no tape record
  ActivationArg null_ptr = ActivationPtr();
  EXPECT_EQ(null_ptr.ptr->name(), "linear");
}

namespace {
struct Doubler : Activation {
  Tensor<float> operator()(const Tensor<float>& x) const override { return x * 2.0f; }
  Tensor<double> operator()(const Tensor<double>& x) const override { return x * 2.0; }
  std::string name() const override { return "doubler"; }
};
struct Opts {
  ActivationArg activation = "tanh";
};
}  // namespace

TEST(Activations, ArgAcceptsStringsPointersAndObjects) {
  Opts a;
  EXPECT_EQ(a.activation.ptr->name(), "tanh");
  Opts b{.activation = "relu"};
  EXPECT_EQ(b.activation.ptr->name(), "relu");
  Opts c{.activation = std::string("selu")};
  EXPECT_EQ(c.activation.ptr->name(), "selu");
  Opts d{.activation = nullptr};
  EXPECT_EQ(d.activation.ptr->name(), "linear");
  Opts e{.activation = std::make_shared<Doubler>()};
  EXPECT_EQ(e.activation.ptr->name(), "doubler");
  Opts f{.activation = Doubler{}};
  EXPECT_FLOAT_EQ((*f.activation.ptr)(Tensor<float>{3}).at({0}), 6.0f);
}

TEST(Activations, UnknownIdentifierThrowsValueErrorNamingIt) {
  EXPECT_TRUE(throws_with<ValueError>([] { get_activation("tahn"); },
                                      {"'tahn'", "activation", "tanh", "hard_sigmoid", "softmax"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Opts o{.activation = "Sigmoid"}; }, {"'Sigmoid'"}));
}
