// Sequential's short construction: layers made as values (model.add(GRU(16))) with float as the
// default type, moved into the model. They must be the same layers, training to the same numbers,
// as the shared_ptr form (model.add(std::make_shared<GRU<float>>(16))), which keeps working.
#include <gtest/gtest.h>

#include <memory>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::bit_equal;

namespace {

// Class template argument deduction: the scalar type defaults to float and follows a given one.
static_assert(std::is_same_v<decltype(GRU(16)), GRU<float>>);
static_assert(std::is_same_v<decltype(Dense(1, {.activation = "relu"})), Dense<float>>);
static_assert(std::is_same_v<decltype(Bidirectional(LSTM(32))), Bidirectional<float>>);
static_assert(std::is_same_v<decltype(Bidirectional(LSTM<double>(32))), Bidirectional<double>>);
static_assert(std::is_same_v<decltype(RNN(GRUCell(4))), RNN<float>>);
static_assert(std::is_same_v<decltype(RNN(GRUCell<double>(4))), RNN<double>>);
static_assert(std::is_same_v<decltype(RNN(GRUCell<double>(4), {.return_sequences = true})), RNN<double>>);
// A shared_ptr to a derived class deduces too (the constructor takes a shared_ptr to the base).
static_assert(std::is_same_v<decltype(RNN(std::make_shared<GRUCell<double>>(4))), RNN<double>>);
static_assert(std::is_same_v<decltype(RNN(std::make_shared<GRUCell<float>>(4), {.go_backwards = true})), RNN<float>>);
static_assert(std::is_same_v<decltype(Bidirectional(std::make_shared<GRU<float>>(4))), Bidirectional<float>>);
static_assert(std::is_same_v<decltype(Bidirectional(std::make_shared<LSTM<double>>(4), {.merge_mode = "sum"})), Bidirectional<double>>);

template <class M, class L>
concept can_add = requires(M& m, L&& l) { m.add(std::forward<L>(l)); };
static_assert(can_add<Sequential<float>, GRU<float>>);          // a temporary or std::move'd layer
static_assert(!can_add<Sequential<float>, GRU<float>&>);        // an lvalue is not silently moved from
static_assert(!can_add<Sequential<double>, GRU<float>>);        // the scalar types must agree
static_assert(!can_add<Sequential<float>, Sequential<float>>);  // models are not movable: shared_ptr
static_assert(can_add<Sequential<float>, std::shared_ptr<GRU<float>>>);

struct Sequences {
  Tensor<float> x, y;
};

// x (64, 6, 3) ~ N(0, 1); y = 0.3 * the sum over time of the first feature.
Sequences make_sequences() {
  Generator g(3);
  Sequences s{random::normal<float>({64, 6, 3}, 0.0, 1.0, g), Tensor<float>::zeros(Shape{64, 1})};
  for (std::size_t i = 0; i < 64; ++i)
    for (std::size_t t = 0; t < 6; ++t) s.y.data()[i] += 0.3f * s.x.data()[(i * 6 + t) * 3];
  return s;
}

std::shared_ptr<optimizers::Adam<float>> adam() {
  return std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 1e-2});
}

History fit(Sequential<float>& m, const Sequences& s) {
  m.compile(adam(), "mse");
  return m.fit(s.x, s.y, {.epochs = 8, .batch_size = 16, .seed = 1, .verbose = 0});
}

}  // namespace

TEST(SequentialShort, ValueFormsAddTheLayersTheSharedPtrFormsAdd) {
  Sequential model;
  model.add(Bidirectional(LSTM(8, {}, {.return_sequences = true})));
  model.add(RNN(GRUCell(4), {.return_sequences = true}));
  model.add(GRU(4));
  model.add(Dense(1, {.activation = "relu"}));
  static_assert(std::is_same_v<decltype(model), Sequential<float>>);
  ASSERT_EQ(model.layers().size(), 4u);
  EXPECT_EQ(typeid(*model.layers()[0]), typeid(Bidirectional<float>));
  EXPECT_EQ(typeid(*model.layers()[1]), typeid(RNN<float>));
  EXPECT_EQ(typeid(*model.layers()[2]), typeid(GRU<float>));
  EXPECT_EQ(typeid(*model.layers()[3]), typeid(Dense<float>));

  auto& bi = static_cast<Bidirectional<float>&>(*model.layers()[0]);
  EXPECT_EQ(typeid(*bi.forward_layer()), typeid(LSTM<float>));
  EXPECT_TRUE(bi.forward_layer()->options().return_sequences);
  EXPECT_TRUE(bi.backward_layer()->options().go_backwards);
  auto& rnn = static_cast<RNN<float>&>(*model.layers()[1]);
  EXPECT_EQ(typeid(*rnn.cell()), typeid(GRUCell<float>));
  EXPECT_TRUE(rnn.options().return_sequences);
  EXPECT_EQ(static_cast<GRU<float>&>(*model.layers()[2]).gru_cell()->units(), 4u);
  EXPECT_EQ(model.layers()[3]->get_config().at("activation"), "relu");
}

TEST(SequentialShort, MovedLayerKeepsItsOptionsAndName) {
  Sequential model;
  Dense dense(3, {.activation = "tanh", .name = "short_dense"});
  model.add(std::move(dense));
  const auto d = std::dynamic_pointer_cast<Dense<float>>(model.get_layer("short_dense"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->units(), 3u);
  EXPECT_EQ(d->get_config().at("activation"), "tanh");
  EXPECT_FALSE(d->built());
  EXPECT_EQ(model(Tensor<float>::zeros(Shape{2, 5})).shape(), (Shape{2, 3}));
  EXPECT_EQ(d->kernel().shape(), (Shape{5, 3}));
}

TEST(SequentialShort, ValueAndSharedPtrFormsTrainToTheSameWeights) {
  const Sequences s = make_sequences();
  set_seed(21);
  Sequential short_form;
  short_form.add(Bidirectional(LSTM(8, {}, {.return_sequences = true})));
  short_form.add(RNN(GRUCell(4), {.return_sequences = true}));
  short_form.add(GRU(4));
  short_form.add(Dense(1));
  const History hs = fit(short_form, s);

  set_seed(21);
  Sequential<float> long_form;
  long_form.add(std::make_shared<Bidirectional<float>>(
      std::make_shared<LSTM<float>>(8, LSTMCellOptions{}, RNNOptions{.return_sequences = true})));
  long_form.add(std::make_shared<RNN<float>>(std::make_shared<GRUCell<float>>(4), RNNOptions{.return_sequences = true}));
  long_form.add(std::make_shared<GRU<float>>(4));
  long_form.add(std::make_shared<Dense<float>>(1));
  const History hl = fit(long_form, s);

  // It trains: the last epoch's loss is well below the first's.
  EXPECT_LT(hs["loss"].back(), 0.5 * hs["loss"].front());
  EXPECT_EQ(hs["loss"], hl["loss"]);
  const auto ws = short_form.weights(), wl = long_form.weights();
  ASSERT_EQ(ws.size(), wl.size());
  ASSERT_GT(ws.size(), 0u);
  for (std::size_t i = 0; i < ws.size(); ++i) {
    EXPECT_EQ(ws[i].shape(), wl[i].shape()) << i;
    EXPECT_TRUE(bit_equal(ws[i].value(), wl[i].value())) << i;
  }
}
