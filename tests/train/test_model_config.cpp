// Models rebuild from their configs like every layer: Sequential (registered by train/) joins the
// layers folder's round-trip cases, so this enumeration covers every class a model file can hold.
#include <gtest/gtest.h>

#include "layers/config_cases.hpp"
#include "test_util.hpp"

using namespace loom;
using namespace loom::testing::config_cases;
using loom::testing::throws_with;

namespace {

template <class T>
std::map<std::string, LayerCase<T>> model_cases() {
  auto c = layer_cases<T>();
  using P = std::shared_ptr<Layer<T>>;
  c["Sequential"] = {[] {
                       auto m = std::make_shared<Sequential<T>>("seq");
                       m->add(std::make_shared<Masking<T>>(0.5));
                       m->add(std::make_shared<GRU<T>>(3, GRUCellOptions{.reset_after = false},
                                                       RNNOptions{.return_sequences = true}));
                       m->add(std::make_shared<Dense<T>>(2, DenseOptions{.activation = "tanh"}));
                       m->build(Shape{1, 4, 3});
                       return P(m);
                     },
                     [] { return P(std::make_shared<Sequential<T>>()); }, Shape{2, 4, 3}};
  return c;
}

}  // namespace

TEST(ModelConfig, EveryRegisteredClassHasACase) {
  ASSERT_TRUE(registered);
  Sequential<float> touch;  // a Model registers train/'s classes
  const auto cases = model_cases<float>();
  for (const auto& name : registry<Layer<float>>().names())
    EXPECT_TRUE(cases.count(name)) << "registered layer class '" << name << "' has no round-trip case";
  EXPECT_TRUE(registry<Layer<float>>().contains("Sequential"));
}

TEST(ModelConfig, EveryClassRoundTripsFloat) { check_layers<float>(model_cases<float>()); }
TEST(ModelConfig, EveryClassRoundTripsDouble) { check_layers<double>(model_cases<double>()); }

TEST(ModelConfig, SequentialConfigIsKeras) {
  Sequential<float> m("seq");
  m.add(std::make_shared<Dense<float>>(2));
  EXPECT_FALSE(m.get_config().contains("build_input_shape"));
  m.build(Shape{5, 3});
  const Config c = serialize(m);
  EXPECT_EQ(c.at("class_name"), "Sequential");
  EXPECT_EQ(c.at("config").at("build_input_shape").dump(), "[null,3]");
  EXPECT_EQ(c.at("config").at("layers").at(0).at("class_name"), "Dense");
  Config bad = c;
  bad["config"]["layers"] = 3;
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(bad); }, {"Sequential", "'layers'", "3"}));
  bad = c;
  bad["config"]["build_input_shape"] = Config::array({nullptr, -3});
  EXPECT_TRUE(throws_with<ValueError>([&] { from_config<Layer<float>>(bad); }, {"build_input_shape", "-3"}));
}
