// The RNNCell hooks that let a user's cell take the paths loom's own cells take, without RNN or the
// torch layout knowing its type: call_sequence (the whole sequence at once), torch_layout and
// stacked_cells (the PyTorch weight layout), and Layer::recurrent_layers.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "layers/torch_layout.hpp"
#include "test_util.hpp"

namespace loom {
namespace {

using testing::throws_with;

bool same_bits(const Tensor<double>& a, const Tensor<double>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// A SimpleRNNCell that runs whole sequences itself, by stepping its own call() (so its numbers are
// the step loop's, bit for bit), and counts them. Masked calls are declined.
class SequenceCell : public SimpleRNNCell<double> {
 public:
  using SimpleRNNCell<double>::SimpleRNNCell;
  std::size_t runs = 0;
  std::optional<SequenceResult<double>> call_sequence(const SequenceCall<double>& c) override {
    if (c.mask.defined()) return std::nullopt;
    ++runs;
    const std::size_t steps = c.x.dim(1);
    std::vector<Tensor<double>> states = c.states, ys;
    for (std::size_t i = 0; i < steps; ++i) {
      auto co = call(take(c.x, 1, c.go_backwards ? steps - 1 - i : i), states, c.training);
      states = co.states;
      ys.push_back(co.output);
    }
    return SequenceResult<double>{stack(ys, 1), states};
  }
};

// Returns one timestep too few, or no states.
class BadSequenceCell : public SimpleRNNCell<double> {
 public:
  using SimpleRNNCell<double>::SimpleRNNCell;
  bool drop_states = false;
  std::optional<SequenceResult<double>> call_sequence(const SequenceCall<double>& c) override {
    if (drop_states) return SequenceResult<double>{Tensor<double>::zeros({c.x.dim(0), c.x.dim(1), 3}), {}};
    return SequenceResult<double>{Tensor<double>::zeros({c.x.dim(0), c.x.dim(1) - 1, 3}), c.states};
  }
};

TEST(RNNCellHooks, CallSequenceReplacesTheStepLoop) {
  Generator g(3);
  const auto x = random::uniform<double>({2, 4, 3}, -1.0, 1.0, g);
  for (const bool backwards : {false, true})
    for (const bool sequences : {false, true}) {
      auto cell = std::make_shared<SequenceCell>(5);
      RNN<double> hooked(cell, {.return_sequences = sequences, .go_backwards = backwards});
      RNN<double> loop(cell, {.return_sequences = sequences, .go_backwards = backwards, .use_fused = false});
      const auto a = hooked.call_full(x);
      EXPECT_TRUE(hooked.last_call_fused());
      EXPECT_EQ(cell->runs, 1u);
      const auto b = loop.call_full(x);
      EXPECT_FALSE(loop.last_call_fused());
      EXPECT_EQ(cell->runs, 1u) << "use_fused=false must not ask the cell";
      EXPECT_TRUE(same_bits(a.output, b.output)) << "backwards " << backwards << " sequences " << sequences;
      EXPECT_TRUE(same_bits(a.states[0], b.states[0]));
    }
}

TEST(RNNCellHooks, TimeMajorAndStatefulGoThroughTheHook) {
  Generator g(4);
  const auto x = random::uniform<double>({2, 6, 3}, -1.0, 1.0, g);
  auto cell = std::make_shared<SequenceCell>(4);
  RNN<double> tm(cell, {.return_sequences = true, .time_major = true});
  RNN<double> bm(cell, {.return_sequences = true, .use_fused = false});
  const auto a = tm.call_full(transpose(x, {1, 0, 2}));
  EXPECT_TRUE(tm.last_call_fused());
  EXPECT_TRUE(same_bits(transpose(a.output, {1, 0, 2}).clone(), bm.call_full(x).output.clone()));

  RNN<double> st(cell, {.return_sequences = true, .stateful = true});
  st.call_full(slice(x, 1, 0, 3));
  const auto second = st.call_full(slice(x, 1, 3, 6));
  EXPECT_TRUE(st.last_call_fused());
  EXPECT_TRUE(same_bits(second.output.clone(), slice(bm.call_full(x).output, 1, 3, 6).clone()));
  EXPECT_EQ(cell->runs, 3u);
}

TEST(RNNCellHooks, DeclinedCallIsStepped) {
  auto cell = std::make_shared<SequenceCell>(4);
  RNN<double> rnn(cell);
  auto mask = Tensor<double>::ones({2, 3});
  mask.data()[2] = 0.0;
  rnn.call_full(Tensor<double>::ones({2, 3, 2}), {}, mask);
  EXPECT_FALSE(rnn.last_call_fused());
  EXPECT_EQ(cell->runs, 0u);
}

TEST(RNNCellHooks, WrongHookResultsAreRejected) {
  auto bad = std::make_shared<BadSequenceCell>(3, SimpleRNNCellOptions{.name = "bad_cell"});
  RNN<double> rnn(bad);
  EXPECT_TRUE(throws_with<ShapeError>([&] { rnn.call_full(Tensor<double>::ones({2, 4, 2})); },
                                      {"bad_cell", "call_sequence", "(2, 4, 3)", "(2, 3, 3)"}));
  bad->drop_states = true;
  EXPECT_TRUE(throws_with<ValueError>([&] { rnn.call_full(Tensor<double>::ones({2, 4, 2})); },
                                      {"bad_cell", "call_sequence", "1 final state", "received 0"}));
}

// A user's tanh RNN cell whose weights are not called kernel/recurrent_kernel/bias: its
// torch_layout() names them, and the torch mapping uses those.
class TorchableCell : public RNNCell<float> {
 public:
  explicit TorchableCell(std::string name) : RNNCell<float>(std::move(name)) {}
  std::vector<std::size_t> state_size() const override { return {3}; }
  std::size_t output_size() const override { return 3; }
  void build(const Shape& s) override {
    Layer<float>::build(s);
    const auto init = std::make_shared<GlorotUniform>();
    w_in_ = add_weight("w_in", {s.dim(-1), 3}, init);
    w_rec_ = add_weight("w_rec", {3, 3}, init);
    b_ = add_weight("b", {3}, init);
  }
  using RNNCell<float>::call;
  CellOutput<float> call(const Tensor<float>& x, const std::vector<Tensor<float>>& st, bool) override {
    maybe_build(x.shape());
    const auto h = tanh(matmul(x, w_in_.value()) + matmul(st[0], w_rec_.value()) + b_.value());
    return {h, {h}};
  }
  std::optional<TorchCellLayout<float>> torch_layout() const override {
    return TorchCellLayout<float>{TorchRNNKind::rnn_tanh, w_in_, w_rec_, b_};
  }

 private:
  Variable<float> w_in_, w_rec_, b_;
};

class PlainCell : public TorchableCell {
 public:
  using TorchableCell::TorchableCell;
  std::optional<TorchCellLayout<float>> torch_layout() const override { return std::nullopt; }
};

TEST(RNNCellHooks, TorchLayoutOfAUserCell) {
  auto cell = std::make_shared<TorchableCell>("mine");
  auto rnn = std::make_shared<RNN<float>>(cell);
  rnn->build(Shape{2, 5, 4});
  const auto slots = torch_cell_slots<float>({rnn.get()});
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].kind, TorchRNNKind::rnn_tanh);
  EXPECT_EQ(slots[0].keras_names(), (std::vector<std::string>{"mine/w_in", "mine/w_rec", "mine/b"}));
  std::map<std::string, Tensor<float>> keras;
  for (const auto& w : rnn->weights()) keras[w.name()] = w.value();
  const auto torch = keras_to_torch(slots, keras);
  const auto want =
      simple_rnn_to_torch(KerasCellWeights<float>{keras["mine/w_in"], keras["mine/w_rec"], keras["mine/b"]});
  ASSERT_EQ(torch.count("weight_ih_l0"), 1u);
  EXPECT_EQ(torch.at("weight_ih_l0").shape(), want.weight_ih.shape());
  EXPECT_EQ(std::memcmp(torch.at("weight_hh_l0").data(), want.weight_hh.data(), 9 * sizeof(float)), 0);
  EXPECT_EQ(torch.count("mine/w_in"), 0u);
  // And back: the same Keras-keyed weights.
  const auto back = torch_to_keras(slots, torch, "test");
  EXPECT_EQ(std::memcmp(back.at("mine/w_rec").data(), keras["mine/w_rec"].data(), 9 * sizeof(float)), 0);

  // Stacked through stacked_cells, Bidirectional through recurrent_layers.
  auto stacked = std::make_shared<RNN<float>>(std::vector<RNN<float>::CellPtr>{
      std::make_shared<TorchableCell>("s0"), std::make_shared<TorchableCell>("s1")});
  stacked->build(Shape{2, 5, 4});
  const auto ss = torch_cell_slots<float>({stacked.get()});
  ASSERT_EQ(ss.size(), 2u);
  EXPECT_EQ(ss[1].layer, 1u);
  EXPECT_EQ(ss[1].keras_names()[0], "s1/w_in");
  auto bw = std::make_shared<RNN<float>>(std::make_shared<TorchableCell>("back"), RNNOptions{.go_backwards = true});
  Bidirectional<float> bi(std::make_shared<RNN<float>>(std::make_shared<TorchableCell>("fwd")), {.merge_mode = "concat", .backward_layer = bw});
  bi.build(Shape{2, 5, 4});
  const auto bs = torch_cell_slots<float>({&bi});
  ASSERT_EQ(bs.size(), 2u);
  EXPECT_TRUE(bs[1].reverse);
  EXPECT_EQ(bs[1].keras_names()[2], "back/b");
}

TEST(RNNCellHooks, CellWithoutTorchLayoutIsNotImplemented) {
  auto rnn = std::make_shared<RNN<float>>(std::make_shared<PlainCell>("plain_cell"));
  rnn->build(Shape{2, 5, 4});
  EXPECT_TRUE(throws_with<NotImplementedError>([&] { torch_cell_slots<float>({rnn.get()}); },
                                               {"plain_cell", "torch_layout"}));
  Dense<float> dense(3);
  EXPECT_TRUE(dense.recurrent_layers().empty());
  EXPECT_TRUE(torch_cell_slots<float>({&dense}).empty());
}

}  // namespace
}  // namespace loom
