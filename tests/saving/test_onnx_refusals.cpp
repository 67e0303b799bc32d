// What export_onnx refuses: a layer or cell without a lowering (NotImplementedError), a mask with
// left or undeclared padding, stateful=true, an activation ONNX's recurrent operators lack, bad
// options (ValueError). Each names the layer and the reason, and no file is written (an existing
// file is left as it was).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "loom.hpp"
#include "saving/onnx_peer.hpp"

namespace loom {
namespace {

// A user cell that runs in an RNN but has no ONNX lowering (it does not override onnx_lowering).
class PlainCell : public RNNCell<float> {
 public:
  PlainCell() : RNNCell<float>("plain_cell") {}
  std::vector<std::size_t> state_size() const override { return {3}; }
  std::size_t output_size() const override { return 3; }
  void build(const Shape& s) override {
    Layer<float>::build(s);
    w_ = add_weight("w", {s.dim(-1), 3}, std::make_shared<GlorotUniform>());
  }
  using RNNCell<float>::call;
  CellOutput<float> call(const Tensor<float>& x, const std::vector<Tensor<float>>& st, bool) override {
    maybe_build(x.shape());
    const auto h = tanh(matmul(x, w_.value()) + st[0]);
    return {h, {h}};
  }

 private:
  Variable<float> w_;
};

// A user layer without a lowering.
class Doubler : public Layer<float> {
 public:
  Doubler() : Layer<float>("doubler") {}
  Tensor<float> call(const Tensor<float>& x, const CallContext<float>&) override { return x * 2.0f; }
};

Tensor<float> input(std::size_t b = 2, std::size_t t = 4, std::size_t f = 3) {
  return Tensor<float>(Shape({b, t, f}), std::vector<float>(b * t * f, 0.5f));
}

template <class E>
void expect_refused(Sequential<float>& model, const OnnxExportOptions& options, const std::vector<std::string>& words) {
  const std::string dir = test::onnx_work_dir("refusals");
  const std::string path = dir + "/model.onnx";
  try {
    export_onnx(model, path, options);
    ADD_FAILURE() << "export_onnx did not throw";
  } catch (const E& e) {
    for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << w << " not in: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "export_onnx threw another type: " << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "a refused export wrote " << path;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 0)
      << "a refused export left a file in " << dir;
}

TEST(OnnxRefusals, CellWithoutLoweringIsNotImplementedNamingTheCell) {
  Sequential<float> m;
  m.add(RNN<float>(std::make_shared<PlainCell>()));
  m.predict(input(), {.verbose = 0});
  expect_refused<NotImplementedError>(m, {}, {"plain_cell", "no ONNX lowering"});
}

TEST(OnnxRefusals, LayerWithoutLoweringIsNotImplementedNamingTheLayer) {
  Sequential<float> m;
  m.add(GRU(4, {}, {.return_sequences = true}));
  m.add(std::make_shared<Doubler>());
  m.predict(input(), {.verbose = 0});
  expect_refused<NotImplementedError>(m, {}, {"doubler", "Doubler", "no ONNX lowering"});
}

TEST(OnnxRefusals, LeftPaddingIsRefusedNamingTheLayer) {
  Sequential<float> m;
  m.add(Masking(0.0));
  m.add(GRU(4, {}, {.name = "the_gru"}));
  m.predict(input(), {.verbose = 0});
  expect_refused<ValueError>(m, {.padding = OnnxPadding::left}, {"the_gru", "left padding", "sequence_lens"});
  expect_refused<ValueError>(m, {}, {"the_gru", "padding is unspecified", "OnnxPadding::right"});
}

TEST(OnnxRefusals, StatefulIsRefusedNamingTheLayer) {
  Sequential<float> m;
  m.add(LSTM(4, {}, {.stateful = true, .name = "the_lstm"}));
  m.predict(input(), {.verbose = 0});
  expect_refused<ValueError>(m, {}, {"the_lstm", "stateful=true"});
}

TEST(OnnxRefusals, RecurrentActivationOnnxLacksIsRefusedNamingTheOption) {
  Sequential<float> m;
  m.add(GRU(4, {.activation = "selu", .name = "selu_cell"}));
  m.predict(input(), {.verbose = 0});
  expect_refused<ValueError>(m, {}, {"selu_cell", "activation", "selu"});
}

TEST(OnnxRefusals, BadOptionsAndUnbuiltModels) {
  Sequential<float> m;
  m.add(GRU(4));
  expect_refused<ValueError>(m, {}, {"built"});
  m.predict(input(), {.verbose = 0});
  expect_refused<ValueError>(m, {.opset = 12}, {"opset", "12"});
  expect_refused<ValueError>(m, {.input_name = "x", .output_name = "x"}, {"input_name", "output_name"});
}

TEST(OnnxRefusals, ARefusalLeavesAnExistingFileAsItWas) {
  Sequential<float> m;
  m.add(LSTM(4, {}, {.stateful = true}));
  m.predict(input(), {.verbose = 0});
  const std::string dir = test::onnx_work_dir("refusal_keeps");
  const std::string path = dir + "/model.onnx";
  { std::ofstream(path) << "the old file"; }
  EXPECT_THROW(export_onnx(m, path, {}), ValueError);
  EXPECT_EQ(test::slurp_file(path), "the old file");
}

}  // namespace
}  // namespace loom
