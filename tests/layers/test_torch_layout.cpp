// The Keras <-> PyTorch weight layout (layers/torch_layout.hpp): the GRU mapping against the
// torch_* arrays of the reference data, LSTM/SimpleRNN gate order and bias split, the model-level
// slot assignment and its refusals. The comparison with the real torch.nn.GRU/LSTM is in
// tests/train/test_torch_interop.cpp.
#include <cstring>
#include <memory>

#include "gru_test_util.hpp"
#include "layers/torch_layout.hpp"
#include "test_util.hpp"

namespace loom {
namespace {

using testing::ref_tensor;
using testing::throws_with;

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Distinct values everywhere, so that any misplaced element shows.
template <class T>
Tensor<T> iota(const Shape& s, T start) {
  Tensor<T> t = Tensor<T>::empty(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = start + static_cast<T>(i) * T(0.25);
  return t;
}

constexpr const char* kRa = "ra_true_b2_t3_i5_u4";

TEST(TorchLayout, GruMatchesReferenceTorchArrays) {
  const KerasCellWeights<double> k{ref_tensor<double>(kRa, "kernel"), ref_tensor<double>(kRa, "recurrent_kernel"),
                                   ref_tensor<double>(kRa, "bias")};
  const auto t = gru_to_torch(k);
  EXPECT_TRUE(same_bits(t.weight_ih, ref_tensor<double>(kRa, "torch_weight_ih")));
  EXPECT_TRUE(same_bits(t.weight_hh, ref_tensor<double>(kRa, "torch_weight_hh")));
  EXPECT_TRUE(same_bits(t.bias_ih, ref_tensor<double>(kRa, "torch_bias_ih")));
  EXPECT_TRUE(same_bits(t.bias_hh, ref_tensor<double>(kRa, "torch_bias_hh")));
  const auto back = gru_from_torch(TorchCellWeights<double>{
      ref_tensor<double>(kRa, "torch_weight_ih"), ref_tensor<double>(kRa, "torch_weight_hh"),
      ref_tensor<double>(kRa, "torch_bias_ih"), ref_tensor<double>(kRa, "torch_bias_hh")});
  EXPECT_TRUE(same_bits(back.kernel, k.kernel));
  EXPECT_TRUE(same_bits(back.recurrent_kernel, k.recurrent_kernel));
  EXPECT_TRUE(same_bits(back.bias, k.bias));
}

TEST(TorchLayout, GruGateOrderIsRZN) {
  const std::size_t I = 2, U = 3;
  const auto k = iota<float>(Shape{I, 3 * U}, 0.f);
  const auto rk = iota<float>(Shape{U, 3 * U}, 100.f);
  const auto b = iota<float>(Shape{2, 3 * U}, -50.f);
  const auto t = gru_to_torch(KerasCellWeights<float>{k, rk, b});
  ASSERT_EQ(t.weight_ih.shape(), (Shape{3 * U, I}));
  // torch row block 0 is r (Keras column block 1), block 1 is z (Keras block 0), block 2 is n (h).
  const std::size_t keras_block[3] = {1, 0, 2};
  for (std::size_t tb = 0; tb < 3; ++tb)
    for (std::size_t u = 0; u < U; ++u) {
      for (std::size_t i = 0; i < I; ++i)
        EXPECT_EQ(t.weight_ih.at({tb * U + u, i}), k.at({i, keras_block[tb] * U + u}));
      for (std::size_t j = 0; j < U; ++j)
        EXPECT_EQ(t.weight_hh.at({tb * U + u, j}), rk.at({j, keras_block[tb] * U + u}));
      EXPECT_EQ(t.bias_ih.at({tb * U + u}), b.at({0, keras_block[tb] * U + u}));
      EXPECT_EQ(t.bias_hh.at({tb * U + u}), b.at({1, keras_block[tb] * U + u}));
    }
  // Without a bias (use_bias=false, torch's bias=False) there are no bias tensors either way.
  const auto nb = gru_to_torch(KerasCellWeights<float>{k, rk, {}});
  EXPECT_FALSE(nb.bias_ih.defined());
  EXPECT_FALSE(nb.bias_hh.defined());
  EXPECT_FALSE(gru_from_torch(nb).bias.defined());
}

TEST(TorchLayout, GruResetAfterFalseHasNoTorchCounterpart) {
  const KerasCellWeights<double> k{ref_tensor<double>("ra_false_b2_t3_i5_u4", "kernel"),
                                   ref_tensor<double>("ra_false_b2_t3_i5_u4", "recurrent_kernel"),
                                   ref_tensor<double>("ra_false_b2_t3_i5_u4", "bias")};
  EXPECT_TRUE(throws_with<ValueError>([&] { gru_to_torch(k); },
                                      {"gru_to_torch", "reset_after=False", "no PyTorch counterpart", "(12,)"}));
  // The same through a model: the cell's option is refused before any weight is looked at.
  auto rnn = std::make_shared<RNN<float>>(std::make_shared<GRUCell<float>>(4, GRUCellOptions{.reset_after = false}));
  rnn->build(Shape{2, 3, 5});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({rnn.get()}); },
                                      {"reset_after=False", "no PyTorch counterpart"}));
}

TEST(TorchLayout, ShapeErrorsNameTheWeight) {
  const auto k = iota<float>(Shape{2, 9}, 0.f);
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { gru_to_torch(KerasCellWeights<float>{k, iota<float>(Shape{3, 6}, 0.f), {}}); },
      {"gru_to_torch", "'recurrent_kernel'", "(3, 9)", "(3, 6)"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { gru_to_torch(KerasCellWeights<float>{k, iota<float>(Shape{3, 9}, 0.f), iota<float>(Shape{2, 6}, 0.f)}); },
      {"'bias'", "(2, 9)", "(2, 6)"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { gru_to_torch(KerasCellWeights<float>{iota<float>(Shape{2, 8}, 0.f), iota<float>(Shape{3, 9}, 0.f), {}}); },
      {"'kernel'", "3*units", "(2, 8)"}));
  const TorchCellWeights<float> bad_hh{iota<float>(Shape{12, 5}, 0.f), iota<float>(Shape{12, 5}, 0.f),
                                       iota<float>(Shape{12}, 0.f), iota<float>(Shape{12}, 0.f)};
  EXPECT_TRUE(throws_with<ShapeError>([&] { lstm_from_torch(bad_hh); }, {"lstm_from_torch", "'weight_hh'", "(12, 3)", "(12, 5)"}));
  const TorchCellWeights<float> bad_b{iota<float>(Shape{12, 5}, 0.f), iota<float>(Shape{12, 3}, 0.f),
                                      iota<float>(Shape{12}, 0.f), iota<float>(Shape{9}, 0.f)};
  EXPECT_TRUE(throws_with<ShapeError>([&] { lstm_from_torch(bad_b); }, {"'bias_hh'", "(12,)", "(9,)"}));
  const TorchCellWeights<float> one_bias{iota<float>(Shape{12, 5}, 0.f), iota<float>(Shape{12, 3}, 0.f),
                                         iota<float>(Shape{12}, 0.f), {}};
  EXPECT_TRUE(throws_with<ValueError>([&] { lstm_from_torch(one_bias); }, {"both or neither", "bias_ih"}));
}

TEST(TorchLayout, LstmKeepsGateOrderAndSplitsTheBias) {
  const std::size_t I = 3, U = 2;
  const auto k = iota<double>(Shape{I, 4 * U}, 1.0);
  const auto rk = iota<double>(Shape{U, 4 * U}, 40.0);
  const auto b = iota<double>(Shape{4 * U}, -7.0);
  const auto t = lstm_to_torch(KerasCellWeights<double>{k, rk, b});
  // i, f, c/g, o in both: the torch weight is the plain transpose.
  for (std::size_t r = 0; r < 4 * U; ++r) {
    for (std::size_t i = 0; i < I; ++i) EXPECT_EQ(t.weight_ih.at({r, i}), k.at({i, r}));
    for (std::size_t j = 0; j < U; ++j) EXPECT_EQ(t.weight_hh.at({r, j}), rk.at({j, r}));
    EXPECT_EQ(t.bias_ih.at({r}), b.at({r}));
    EXPECT_EQ(t.bias_hh.at({r}), 0.0);  // documented: the whole bias goes into bias_ih
  }
  const auto back = lstm_from_torch(t);
  EXPECT_TRUE(same_bits(back.kernel, k));
  EXPECT_TRUE(same_bits(back.recurrent_kernel, rk));
  EXPECT_TRUE(same_bits(back.bias, b));
  // From torch, the two biases are summed (torch always adds them).
  auto t2 = t;
  t2.bias_hh = iota<double>(Shape{4 * U}, 0.5);
  const auto summed = lstm_from_torch(t2);
  for (std::size_t r = 0; r < 4 * U; ++r) EXPECT_EQ(summed.bias.at({r}), b.at({r}) + t2.bias_hh.at({r}));
}

TEST(TorchLayout, SimpleRnnIsTorchRnn) {
  const auto k = iota<float>(Shape{3, 2}, 1.f), rk = iota<float>(Shape{2, 2}, 9.f), b = iota<float>(Shape{2}, -1.f);
  const auto t = simple_rnn_to_torch(KerasCellWeights<float>{k, rk, b});
  EXPECT_EQ(t.weight_ih.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.weight_ih.at({1, 2}), k.at({2, 1}));
  const auto back = simple_rnn_from_torch(t);
  EXPECT_TRUE(same_bits(back.kernel, k) && same_bits(back.recurrent_kernel, rk) && same_bits(back.bias, b));
}

std::shared_ptr<RNN<float>> gru_seq(long units, std::string name = "") {
  return std::make_shared<GRU<float>>(units, GRUCellOptions{}, RNNOptions{.return_sequences = true, .name = std::move(name)});
}

TEST(TorchLayout, SlotsOfStackedAndBidirectionalLayers) {
  // Stacked cells in one RNN are consecutive torch layers.
  auto stacked = std::make_shared<RNN<float>>(std::vector<std::shared_ptr<RNNCell<float>>>{
      std::make_shared<LSTMCell<float>>(3), std::make_shared<LSTMCell<float>>(3)});
  stacked->build(Shape{2, 4, 5});
  const auto s = torch_cell_slots<float>({stacked.get()});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, TorchRNNKind::lstm);
  EXPECT_EQ(s[0].suffix(), "_l0");
  EXPECT_EQ(s[1].suffix(), "_l1");
  EXPECT_EQ(s[1].torch_names("rnn."),
            (std::vector<std::string>{"rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1"}));

  // Two Bidirectional layers: l0, l0_reverse, l1, l1_reverse, each with its own cell's names.
  auto b0 = std::make_shared<Bidirectional<float>>(gru_seq(4));
  auto b1 = std::make_shared<Bidirectional<float>>(gru_seq(4));
  b0->build(Shape{2, 3, 5});
  b1->build(Shape{2, 3, 8});
  const auto bs = torch_cell_slots<float>({b0.get(), b1.get()});
  ASSERT_EQ(bs.size(), 4u);
  EXPECT_EQ(bs[1].suffix(), "_l0_reverse");
  EXPECT_EQ(bs[3].suffix(), "_l1_reverse");
  EXPECT_EQ(bs[1].cell, b0->backward_layer()->cell().get());
  EXPECT_EQ(bs[2].keras_names()[0], b1->forward_layer()->cell()->name() + "/kernel");

  // The whole map: recurrent weights renamed, a non-recurrent weight kept as it is.
  std::map<std::string, Tensor<float>> keras;
  for (const auto* l : {static_cast<const Layer<float>*>(b0.get()), static_cast<const Layer<float>*>(b1.get())})
    for (const auto& w : l->weights()) keras.emplace(w.name(), w.value());
  keras.emplace("dense/kernel", Tensor<float>::ones(Shape{8, 1}));
  const auto torch = keras_to_torch(bs, keras);
  EXPECT_EQ(torch.size(), 17u);
  EXPECT_EQ(torch.at("weight_ih_l1_reverse").shape(), (Shape{12, 8}));
  EXPECT_EQ(torch.at("bias_hh_l0").shape(), (Shape{12}));
  EXPECT_TRUE(torch.count("dense/kernel"));
  const auto back = torch_to_keras(bs, torch, "test");
  ASSERT_EQ(back.size(), keras.size());
  for (const auto& [name, t] : keras) EXPECT_TRUE(same_bits(back.at(name), t)) << name;

  // A missing torch key is an IOError naming it; a wrong shape a ShapeError naming key and shapes.
  auto missing = torch;
  missing.erase("bias_ih_l1_reverse");
  EXPECT_TRUE(throws_with<IOError>([&] { torch_to_keras(bs, missing, "f.npz"); },
                                   {"f.npz", "'bias_ih_l1_reverse'", "layer 1", "reverse"}));
  auto wrong = torch;
  wrong["weight_hh_l1"] = Tensor<float>::zeros(Shape{12, 5});
  EXPECT_TRUE(throws_with<ShapeError>([&] { torch_to_keras(bs, wrong, "f.npz"); },
                                      {"'weight_hh_l1'", "expected shape (12, 4)", "received (12, 5)"}));
}

TEST(TorchLayout, LayoutsWithoutOneTorchModuleAreRefused) {
  auto gru = gru_seq(3);
  gru->build(Shape{1, 2, 4});
  auto lstm = std::make_shared<LSTM<float>>(3, LSTMCellOptions{}, RNNOptions{.return_sequences = true});
  lstm->build(Shape{1, 2, 3});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({gru.get(), lstm.get()}); },
                                      {"one kind", "GRU", "LSTM"}));
  auto bi = std::make_shared<Bidirectional<float>>(gru_seq(3));
  bi->build(Shape{1, 2, 3});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({gru.get(), bi.get()}); },
                                      {"all bidirectional or all unidirectional"}));
  auto back = std::make_shared<GRU<float>>(3, GRUCellOptions{}, RNNOptions{.go_backwards = true});
  back->build(Shape{1, 2, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({back.get()}); }, {"go_backwards"}));
  auto bstack = std::make_shared<Bidirectional<float>>(std::make_shared<RNN<float>>(
      std::vector<std::shared_ptr<RNNCell<float>>>{std::make_shared<GRUCell<float>>(2), std::make_shared<GRUCell<float>>(2)}));
  bstack->build(Shape{1, 2, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({bstack.get()}); }, {"stacked cells", "Bidirectional"}));
  auto hard = std::make_shared<GRU<float>>(3, GRUCellOptions{.recurrent_activation = "hard_sigmoid"});
  hard->build(Shape{1, 2, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({hard.get()}); }, {"'hard_sigmoid'", "sigmoid"}));
  auto nobias = std::make_shared<GRU<float>>(3, GRUCellOptions{.use_bias = false});
  nobias->build(Shape{1, 2, 3});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({gru.get(), nobias.get()}); }, {"use_bias"}));
  auto unbuilt = gru_seq(3);
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({unbuilt.get()}); }, {"built"}));
  auto relu = std::make_shared<SimpleRNN<float>>(3, SimpleRNNCellOptions{.activation = "relu"});
  relu->build(Shape{1, 2, 4});
  EXPECT_EQ(torch_cell_slots<float>({relu.get()}).at(0).kind, TorchRNNKind::rnn_relu);
  auto selu = std::make_shared<SimpleRNN<float>>(3, SimpleRNNCellOptions{.activation = "selu"});
  selu->build(Shape{1, 2, 4});
  EXPECT_TRUE(throws_with<ValueError>([&] { torch_cell_slots<float>({selu.get()}); }, {"'selu'", "relu"}));
}

}  // namespace
}  // namespace loom
