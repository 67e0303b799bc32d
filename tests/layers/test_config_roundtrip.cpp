// Every class in the layers folder's registries rebuilds from its own config: for each registered
// name a case builds an object with a non-default value for every option; from_config(get_config())
// must give an equal config and, with the same weights, bit-identical outputs. A class registered
// without a case here fails EveryRegisteredClassHasACase (unlisted_class_driver.cpp shows that
// it does).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "config_cases.hpp"
#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;

using namespace loom::testing::config_cases;


TEST(ConfigRoundTrip, EveryRegisteredClassHasACase) {
  ASSERT_TRUE(registered);
  every_registered_class_has_a_case<float>();
  every_registered_class_has_a_case<double>();
}

TEST(ConfigRoundTrip, LayersFloat) { check_layers<float>(layer_cases<float>()); }
TEST(ConfigRoundTrip, LayersDouble) { check_layers<double>(layer_cases<double>()); }

TEST(ConfigRoundTrip, InitializersRegularizersConstraintsActivations) {
  const std::map<std::string, std::pair<InitializerPtr, InitializerPtr>> inits = {
      {"Zeros", {std::make_shared<Zeros>(), std::make_shared<Zeros>()}},
      {"Ones", {std::make_shared<Ones>(), std::make_shared<Ones>()}},
      {"Constant", {std::make_shared<Constant>(0.3), std::make_shared<Constant>()}},
      {"RandomNormal", {std::make_shared<RandomNormal>(0.5, 2.0, 1), std::make_shared<RandomNormal>()}},
      {"RandomUniform", {std::make_shared<RandomUniform>(-1.0, 2.0, 2), std::make_shared<RandomUniform>()}},
      {"TruncatedNormal", {std::make_shared<TruncatedNormal>(0.1, 0.3, 3), std::make_shared<TruncatedNormal>()}},
      {"VarianceScaling",
       {std::make_shared<VarianceScaling>(2.5, "fan_avg", "untruncated_normal", 4), std::make_shared<VarianceScaling>()}},
      {"GlorotUniform", {std::make_shared<GlorotUniform>(5), std::make_shared<GlorotUniform>()}},
      {"GlorotNormal", {std::make_shared<GlorotNormal>(6), std::make_shared<GlorotNormal>()}},
      {"HeNormal", {std::make_shared<HeNormal>(7), std::make_shared<HeNormal>()}},
      {"HeUniform", {std::make_shared<HeUniform>(8), std::make_shared<HeUniform>()}},
      {"LecunNormal", {std::make_shared<LecunNormal>(9), std::make_shared<LecunNormal>()}},
      {"LecunUniform", {std::make_shared<LecunUniform>(10), std::make_shared<LecunUniform>()}},
      {"Identity", {std::make_shared<Identity>(0.5), std::make_shared<Identity>()}},
      {"Orthogonal", {std::make_shared<Orthogonal>(2.0, 11), std::make_shared<Orthogonal>()}},
  };
  for (const auto& name : registry<const Initializer>().names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(inits.count(name)) << "registered initializer '" << name << "' has no round-trip case";
    const auto& [obj, def] = inits.at(name);
    const Config env = serialize<const Initializer>(*obj);
    EXPECT_TRUE(all_options_differ(env.at("config"), def->get_config()));
    auto back = from_config<const Initializer>(env);
    EXPECT_EQ(serialize<const Initializer>(*back), env);
    EXPECT_TRUE(same_bits(obj->make<double>(Shape{4, 6}), back->make<double>(Shape{4, 6})));
  }
  EXPECT_EQ(registry<const Initializer>().names().size(), inits.size());

  const Tensor<double> w{{0.5, -2.0, 1.5}, {3.0, -0.25, 0.75}};
  const std::map<std::string, std::pair<RegularizerPtr, RegularizerPtr>> regs = {
      {"L1L2", {std::make_shared<L1L2>(0.1, 0.2), std::make_shared<L1L2>()}},
      {"L1", {std::make_shared<L1>(0.3), std::make_shared<L1>()}},
      {"L2", {std::make_shared<L2>(0.4), std::make_shared<L2>()}},
  };
  for (const auto& name : registry<const Regularizer>().names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(regs.count(name)) << "registered regularizer '" << name << "' has no round-trip case";
    const auto& [obj, def] = regs.at(name);
    const Config env = serialize<const Regularizer>(*obj);
    EXPECT_TRUE(all_options_differ(env.at("config"), def->get_config()));
    auto back = from_config<const Regularizer>(env);
    EXPECT_EQ(serialize<const Regularizer>(*back), env);
    EXPECT_TRUE(same_bits((*obj)(w), (*back)(w)));
  }
  const std::map<std::string, std::pair<ConstraintPtr, ConstraintPtr>> cons = {
      {"MaxNorm", {std::make_shared<MaxNorm>(1.5, 1), std::make_shared<MaxNorm>()}},
      {"NonNeg", {std::make_shared<NonNeg>(), std::make_shared<NonNeg>()}},
      {"UnitNorm", {std::make_shared<UnitNorm>(1), std::make_shared<UnitNorm>()}},
      {"MinMaxNorm", {std::make_shared<MinMaxNorm>(0.5, 2.0, 0.5, 1), std::make_shared<MinMaxNorm>()}},
  };
  for (const auto& name : registry<const Constraint>().names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(cons.count(name)) << "registered constraint '" << name << "' has no round-trip case";
    const auto& [obj, def] = cons.at(name);
    const Config env = serialize<const Constraint>(*obj);
    EXPECT_TRUE(all_options_differ(env.at("config"), def->get_config()));
    auto back = from_config<const Constraint>(env);
    EXPECT_EQ(serialize<const Constraint>(*back), env);
    EXPECT_TRUE(same_bits((*obj)(w), (*back)(w)));
  }
  const std::map<std::string, std::pair<ActivationPtr, ActivationPtr>> acts = {
      {"Cube", {std::make_shared<Cube>(0.25), std::make_shared<Cube>()}},
  };
  for (const auto& name : registry<const Activation>().names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(acts.count(name)) << "registered activation '" << name << "' has no round-trip case";
    const auto& [obj, def] = acts.at(name);
    const Config env = config::activation(obj);
    EXPECT_EQ(env.at("registered_name"), name);
    EXPECT_TRUE(all_options_differ(env.at("config"), def->get_config()));
    auto back = from_config<const Activation>(env);
    EXPECT_TRUE(same_bits((*obj)(w), (*back)(w)));
  }
}

TEST(ConfigRoundTrip, KerasEnvelopeAndSpelling) {
  GRU<float> g(4, {.dropout = 0.2}, {.name = "g"});
  const Config env = serialize<Layer<float>>(g);
  EXPECT_EQ(env.at("module"), "keras.layers");
  EXPECT_EQ(env.at("class_name"), "GRU");
  EXPECT_TRUE(env.at("registered_name").is_null());
  const Config& c = env.at("config");
  EXPECT_EQ(c.at("dropout").dump(), "0.2");
  EXPECT_FALSE(c.contains("cell"));  // Keras's GRU config is flat
  EXPECT_FALSE(c.contains("time_major"));  // written only when set, so Keras 3 reads it
  EXPECT_EQ(c.at("recurrent_initializer").at("module"), "keras.initializers");
  EXPECT_EQ(serialize<Layer<float>>(ScaledTanhCell<float>(2)).at("registered_name"), "ScaledTanhCell");
  // Three layers, one style: "0.2" everywhere.
  EXPECT_EQ(LSTMCell<float>(2, {.dropout = 0.2}).get_config().at("dropout").dump(), "0.2");
  EXPECT_EQ(SimpleRNNCell<float>(2, {.dropout = 0.2}).get_config().at("dropout").dump(), "0.2");
}

TEST(ConfigRoundTrip, BadConfigsGetTypedErrorsNamingTheField) {
  Config env = serialize<Layer<float>>(Dense<float>(3));
  Config c = env;
  c["config"]["units"] = "three";
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"Dense", "'units'", "integer", "\"three\""}));
  c = env;
  c["config"]["kernel_sizee"] = 3;
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"Dense", "'kernel_sizee'", "unknown"}));
  c = env;
  c["config"]["activity_regularizer"] = serialize<const Regularizer>(L2(0.1));
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { from_config<Layer<float>>(c); }, {"Dense", "activity_regularizer"}));
  c = env;
  c["config"].erase("units");
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"Dense", "'units'"}));
  c = env;
  c["config"]["units"] = -2;
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"Dense", "units", "-2"}));
  c = env;
  c["class_name"] = "Conv9D";
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"Conv9D", "Dense", "register_layer"}));
  c = env;
  c["config"]["dtype"] = "float64";
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"dtype", "float32", "float64"}));
  c = env;
  c["config"]["kernel_initializer"] = "glorot_uniformm";
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(c); }, {"kernel_initializer", "glorot_uniformm"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(Config::array()); }, {"class_name"}));
  EXPECT_TRUE(throws_with<ValueError>([] { register_layer<Dense<float>>("Dense"); }, {"Dense", "registered already"}));
  // An unregistered layer cannot be serialized, and says how to fix it.
  struct Plain : Layer<float> {
    Tensor<float> call(const Tensor<float>& x, const CallContext<float>&) override { return x; }
  } plain;
  EXPECT_TRUE(throws_with<ValueError>([&] { serialize<Layer<float>>(plain); }, {"register_layer"}));
  // Keras's identifiers and tf.keras 2.x's envelope without "module" are read too.
  Config keras2 = {{"class_name", "Dense"},
                   {"config", {{"units", 2}, {"activation", "relu"}, {"kernel_initializer", "ones"}}}};
  auto d = std::static_pointer_cast<Dense<float>>(from_config<Layer<float>>(keras2));
  EXPECT_EQ(d->units(), 2u);
  EXPECT_EQ(d->get_config().at("kernel_initializer").at("class_name"), "Ones");
}
