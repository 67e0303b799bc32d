// Weight paths (layers/weight_paths.hpp): Keras 3's structural scheme, class names with a counter
// per container, independent of layer names.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "layers/weight_paths.hpp"
#include "test_util.hpp"

using namespace loom;

namespace {

template <class T>
std::vector<std::string> paths_of(const Layer<T>& l) {
  std::vector<std::string> out;
  for (const auto& [p, v] : weight_paths(l)) out.push_back(p);
  return out;
}

// A container of its own, unregistered: its path segment comes from the C++ class name.
struct TwoDense : Layer<float> {
  std::shared_ptr<Dense<float>> a = std::make_shared<Dense<float>>(2), b = std::make_shared<Dense<float>>(3);
  Variable<float> scale;
  TwoDense() {
    track_layer(a);
    track_layer(b);
  }
  void build(const Shape& s) override {
    scale = add_weight("scale", Shape{1}, get_initializer("ones"));
    Layer<float>::build(s);
  }
  Tensor<float> call(const Tensor<float>& x, const CallContext<float>& ctx) override {
    return (*b)((*a)(x, ctx.training), ctx.training);
  }
};

}  // namespace

TEST(WeightPaths, SnakeCaseIsKerasNaming) {
  EXPECT_EQ(to_snake_case("GRUCell"), "gru_cell");
  EXPECT_EQ(to_snake_case("StackedRNNCells"), "stacked_rnn_cells");
  EXPECT_EQ(to_snake_case("SimpleRNN"), "simple_rnn");
  EXPECT_EQ(to_snake_case("LSTMCell"), "lstm_cell");
  EXPECT_EQ(to_snake_case("Bidirectional"), "bidirectional");
  EXPECT_EQ(to_snake_case("Sequential"), "sequential");
  EXPECT_EQ(to_snake_case("MyHTTPLayer2"), "my_http_layer2");
}

TEST(WeightPaths, LoneLayerIncludesTheRoot) {
  GRU<float> gru(3);
  gru(Tensor<float>::zeros(Shape{1, 2, 4}));
  EXPECT_EQ(paths_of(gru), (std::vector<std::string>{"gru/gru_cell/kernel", "gru/gru_cell/recurrent_kernel",
                                                     "gru/gru_cell/bias"}));
  Dense<float> d(2, DenseOptions{.name = "whatever_7"});
  d(Tensor<float>::zeros(Shape{1, 3}));
  EXPECT_EQ(paths_of(d), (std::vector<std::string>{"dense/kernel", "dense/bias"}));
}

TEST(WeightPaths, SequentialWithBidirectionalCountsPerContainer) {
  Sequential<float> m;
  m.add(GRU(3, {}, {.return_sequences = true}));
  m.add(Bidirectional(GRU(2)));
  m.add(Dense(2));
  m.add(Dense(1));
  m.build(Shape{1, 4, 5});
  const auto p = paths_of(m);
  const std::vector<std::string> expected{
      "sequential/gru/gru_cell/kernel",
      "sequential/gru/gru_cell/recurrent_kernel",
      "sequential/gru/gru_cell/bias",
      "sequential/bidirectional/gru/gru_cell/kernel",
      "sequential/bidirectional/gru/gru_cell/recurrent_kernel",
      "sequential/bidirectional/gru/gru_cell/bias",
      "sequential/bidirectional/gru_1/gru_cell/kernel",
      "sequential/bidirectional/gru_1/gru_cell/recurrent_kernel",
      "sequential/bidirectional/gru_1/gru_cell/bias",
      "sequential/dense/kernel",
      "sequential/dense/bias",
      "sequential/dense_1/kernel",
      "sequential/dense_1/bias"};
  EXPECT_EQ(p, expected);
  // Same order as weights(), one path per weight.
  const auto ws = m.weights();
  const auto wp = weight_paths(m);
  ASSERT_EQ(ws.size(), wp.size());
  for (std::size_t i = 0; i < ws.size(); ++i) EXPECT_TRUE(ws[i].same_as(wp[i].second)) << i;
}

TEST(WeightPaths, StackedCellsAndInstancesAgree) {
  auto make = [] {
    auto m = std::make_shared<Sequential<float>>();
    std::vector<std::shared_ptr<RNNCell<float>>> cells{std::make_shared<LSTMCell<float>>(3),
                                                      std::make_shared<LSTMCell<float>>(2)};
    m->add(std::make_shared<RNN<float>>(std::make_shared<StackedRNNCells<float>>(cells)));
    m->build(Shape{1, 3, 4});
    return m;
  };
  auto a = make();
  Dense<float> unrelated(4);  // moves every counter between the two instances
  auto b = make();
  EXPECT_NE(a->weights()[0].name(), b->weights()[0].name());
  EXPECT_EQ(paths_of(*a), paths_of(*b));
  EXPECT_EQ(paths_of(*a).front(), "sequential/rnn/stacked_rnn_cells/lstm_cell/kernel");
  EXPECT_EQ(paths_of(*a).back(), "sequential/rnn/stacked_rnn_cells/lstm_cell_1/bias");
}

TEST(WeightPaths, UnregisteredClassUsesItsCppName) {
  TwoDense t;
  t(Tensor<float>::zeros(Shape{1, 4}));
  EXPECT_EQ(layer_class_name(t), "TwoDense");
  EXPECT_EQ(paths_of(t), (std::vector<std::string>{"two_dense/scale", "two_dense/dense/kernel", "two_dense/dense/bias",
                                                   "two_dense/dense_1/kernel", "two_dense/dense_1/bias"}));
}
