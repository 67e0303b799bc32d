// The ONNX matrix, against the real onnxruntime-web 1.30.0 in node and onnx.checker (full_check)
// from Debian's python3-onnx: each model is exported by export_onnx, checked, run by ONNX Runtime on
// batch 1 and 7 and sequence lengths 1 and 13 (one export with dynamic axes), and compared with
// loom's predict: max |ORT - loom| <= 1e-5. One node process runs all the models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "loom.hpp"
#include "saving/onnx_peer.hpp"

namespace loom {
namespace {

constexpr double kTol = 1e-5;
using ModelPtr = std::shared_ptr<Sequential<float>>;
using Layers = std::vector<std::shared_ptr<Layer<float>>>;

template <class L>
std::shared_ptr<Layer<float>> L_(L&& layer) {
  return std::make_shared<std::remove_cvref_t<L>>(std::move(layer));
}

// kind: "float" (uniform in [-1, 1]), "masked" (float, the trailing steps of some samples all 0,
// the mask value: right padding), "ids" (integers in [1, vocab)), "padded" (ids, trailing zeros).
Tensor<float> make_input(const std::string& kind, std::size_t batch, std::size_t steps, std::size_t features,
                         std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_int_distribution<int> id(1, 9);
  const bool ids = kind == "ids" || kind == "padded";
  const Shape shape = ids ? Shape({batch, steps}) : Shape({batch, steps, features});
  const std::size_t per = ids ? 1 : features;
  std::vector<float> v(shape.numel());
  for (std::size_t b = 0; b < batch; ++b) {
    const std::size_t keep = (kind == "masked" || kind == "padded") ? 1 + (b * 3) % steps : steps;
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t f = 0; f < per; ++f)
        v[(b * steps + t) * per + f] = t >= keep ? 0.f : ids ? static_cast<float>(id(gen)) : u(gen);
  }
  return Tensor<float>(shape, v);
}

struct Case {
  std::string id;
  std::function<Layers()> layers;
  std::string kind = "float";
  OnnxExportOptions options = {.padding = OnnxPadding::right};
  std::vector<std::pair<std::size_t, std::size_t>> runs = {{1, 1}, {1, 13}, {7, 1}, {7, 13}};  // (batch, steps)
};

constexpr std::size_t kFeatures = 5;

// A user layer with its own lowering (Layer::onnx_lowering): a constant factor.
class Scale : public Layer<float> {
 public:
  explicit Scale(float s) : Layer<float>(unique_layer_name("scale")), s_(s) {}
  Tensor<float> call(const Tensor<float>& x, const CallContext<float>&) override { return x * s_; }
  void onnx_lowering(OnnxLowering& g) const override {
    g.set_output(g.node("Mul", {g.input(), g.constant_floats("scale", {s_}, {})}), g.input_shape());
  }

 private:
  float s_;
};

// A user cell with its own lowering: h' = tanh(x·W + h·R + b), one direction of the sequence as an
// ONNX RNN node, in the direction and with the lengths the RNN hands it (OnnxRecurrence).
class UserTanhCell : public RNNCell<float> {
 public:
  UserTanhCell() : RNNCell<float>(unique_layer_name("user_tanh_cell")) {}
  std::vector<std::size_t> state_size() const override { return {3}; }
  std::size_t output_size() const override { return 3; }
  void build(const Shape& s) override {
    Layer<float>::build(s);
    const auto init = std::make_shared<GlorotUniform>();
    w_ = add_weight("w", {s.dim(-1), 3}, init);
    r_ = add_weight("r", {3, 3}, init);
    b_ = add_weight("b", {3}, init);
  }
  using RNNCell<float>::call;
  CellOutput<float> call(const Tensor<float>& x, const std::vector<Tensor<float>>& st, bool) override {
    maybe_build(x.shape());
    const auto h = tanh(matmul(x, w_.value()) + matmul(st[0], r_.value()) + b_.value());
    return {h, {h}};
  }
  void onnx_lowering(OnnxLowering& g) const override {
    auto transposed = [](const Tensor<float>& k) {  // (I, 3) -> ONNX's (1, 3, I)
      std::vector<float> v(k.size());
      for (std::size_t i = 0; i < k.dim(0); ++i)
        for (std::size_t u = 0; u < 3; ++u) v[u * k.dim(0) + i] = k.data()[i * 3 + u];
      return v;
    };
    const auto in = static_cast<std::int64_t>(w_.value().dim(0));
    std::vector<float> b(b_.value().data(), b_.value().data() + 3);
    b.resize(6, 0.0f);
    auto& rec = g.recurrence();
    std::vector<std::string> inputs = {g.input(), g.constant_floats("W", transposed(w_.value()), {1, 3, in}),
                                       g.constant_floats("R", transposed(r_.value()), {1, 3, 3}),
                                       g.constant_floats("B", b, {1, 6})};
    if (!rec.sequence_lens.empty()) inputs.push_back(rec.sequence_lens);
    const auto outs = g.node("RNN", inputs, 2, {{"hidden_size", 3}, {"direction", rec.direction}});
    OnnxShape shape = g.input_shape();
    shape.back() = OnnxDim{3, ""};
    g.set_output(g.node("Squeeze", {outs[0], g.constant_int64("axis1", {1}, {1})}), shape);
    rec.final_output = g.node("Squeeze", {outs[1], g.constant_int64("axis0", {0}, {1})});
  }

 private:
  Variable<float> w_, r_, b_;
};

std::vector<Case> cases() {
  using V = std::vector<std::shared_ptr<RNNCell<float>>>;
  const RNNOptions seq{.return_sequences = true};
  const RNNOptions back{.go_backwards = true};
  const RNNOptions back_seq{.return_sequences = true, .go_backwards = true};
  std::vector<Case> c = {
      {"gru_last", [] { return Layers{L_(GRU(6))}; }},
      {"gru_seq", [=] { return Layers{L_(GRU(6, {}, seq))}; }},
      {"gru_reset_before_seq", [=] { return Layers{L_(GRU(6, {.reset_after = false}, seq))}; }},
      {"gru_back_seq", [=] { return Layers{L_(GRU(6, {}, back_seq))}; }},
      {"gru_back_last", [=] { return Layers{L_(GRU(6, {}, back))}; }},
      {"gru_hard_sigmoid_seq", [=] { return Layers{L_(GRU(6, {.recurrent_activation = "hard_sigmoid"}, seq))}; }},
      {"gru_linear_relu", [=] { return Layers{L_(GRU(6, {.activation = "linear"}, seq)), L_(GRU(3, {.activation = "relu"}))}; }},
      {"gru_no_bias", [=] { return Layers{L_(GRU(6, {.use_bias = false, .reset_after = false}))}; }},
      {"lstm_last", [] { return Layers{L_(LSTM(6))}; }},
      {"lstm_seq", [=] { return Layers{L_(LSTM(6, {}, seq))}; }},
      {"lstm_back_seq", [=] { return Layers{L_(LSTM(6, {}, back_seq))}; }},
      {"lstm_hard_sigmoid_softsign", [=] {
         return Layers{L_(LSTM(6, {.activation = "softsign", .recurrent_activation = "hard_sigmoid"}, seq))};
       }},
      {"lstm_no_bias_back", [=] { return Layers{L_(LSTM(4, {.use_bias = false}, back))}; }},
      {"simple_rnn_last", [] { return Layers{L_(SimpleRNN(6))}; }},
      {"simple_rnn_relu_seq", [=] { return Layers{L_(SimpleRNN(6, {.activation = "relu"}, seq))}; }},
      {"simple_rnn_back_seq", [=] { return Layers{L_(SimpleRNN(6, {}, back_seq))}; }},
      {"stacked_layers", [=] { return Layers{L_(GRU(6, {}, seq)), L_(LSTM(5, {}, seq)), L_(SimpleRNN(4))}; }},
      {"stacked_cells_seq", [=] {
         return Layers{L_(RNN<float>(V{std::make_shared<GRUCell<float>>(6), std::make_shared<LSTMCell<float>>(4)}, seq))};
       }},
      {"stacked_cells_back", [=] {
         return Layers{L_(RNN<float>(V{std::make_shared<LSTMCell<float>>(6), std::make_shared<SimpleRNNCell<float>>(4)}, back))};
       }},
      {"bidi_gru_concat_seq", [=] { return Layers{L_(Bidirectional<float>(GRU(6, {}, seq)))}; }},
      {"bidi_gru_concat_last", [=] { return Layers{L_(Bidirectional<float>(GRU(6)))}; }},
      {"bidi_lstm_sum_last", [=] { return Layers{L_(Bidirectional<float>(LSTM(6), {.merge_mode = "sum"}))}; }},
      {"bidi_gru_mul_seq", [=] { return Layers{L_(Bidirectional<float>(GRU(6, {}, seq), {.merge_mode = "mul"}))}; }},
      {"bidi_rnn_ave_seq", [=] { return Layers{L_(Bidirectional<float>(SimpleRNN(6, {}, seq), {.merge_mode = "ave"}))}; }},
      {"bidi_stacked_cells_seq", [=] {
         return Layers{L_(Bidirectional<float>(
             RNN<float>(V{std::make_shared<GRUCell<float>>(5), std::make_shared<GRUCell<float>>(4)}, seq)))};
       }},
      {"bidi_back_first", [=] { return Layers{L_(Bidirectional<float>(LSTM(4, {}, back_seq), {.merge_mode = "concat"}))}; }},
      {"gru_dense_softmax", [] { return Layers{L_(GRU(6)), L_(Dense(4, {.activation = "softmax"}))}; }},
      {"dropout_gru_dense", [=] {
         return Layers{L_(Dropout(0.3)), L_(GRU(6, {.dropout = 0.2, .recurrent_dropout = 0.1}, seq)), L_(Dropout(0.5)),
                       L_(Dense(3, {.activation = "tanh"}))};
       }},
      {"embedding_gru", [] { return Layers{L_(Embedding(10, 4)), L_(GRU(6))}; }, "ids"},
      {"embedding_mask_lstm", [] { return Layers{L_(Embedding(10, 4, {.mask_zero = true})), L_(LSTM(6))}; }, "padded"},
      {"embedding_mask_gru_seq", [=] {
         return Layers{L_(Embedding(10, 4, {.mask_zero = true})), L_(GRU(6, {}, seq)), L_(Dense(2))};
       }, "padded"},
      {"masking_gru_last", [] { return Layers{L_(Masking(0.0)), L_(GRU(6))}; }, "masked"},
      {"masking_gru_seq", [=] { return Layers{L_(Masking(0.0)), L_(GRU(6, {}, seq))}; }, "masked"},
      {"masking_gru_zero_output_seq", [=] {
         return Layers{L_(Masking(0.0)), L_(GRU(6, {}, {.return_sequences = true, .zero_output_for_mask = true}))};
       }, "masked"},
      {"masking_gru_back_seq", [=] { return Layers{L_(Masking(0.0)), L_(GRU(6, {}, back_seq))}; }, "masked"},
      {"masking_lstm_back_last", [=] { return Layers{L_(Masking(0.0)), L_(LSTM(6, {}, back))}; }, "masked"},
      {"masking_bidi_lstm_seq", [=] { return Layers{L_(Masking(0.0)), L_(Bidirectional<float>(LSTM(5, {}, seq)))}; }, "masked"},
      {"masking_stacked", [=] {
         return Layers{L_(Masking(0.0)), L_(GRU(6, {}, seq)), L_(SimpleRNN(4, {}, seq)), L_(LSTM(3))};
       }, "masked"},
      {"masking_stacked_cells", [=] {
         return Layers{L_(Masking(0.0)),
                       L_(RNN<float>(V{std::make_shared<GRUCell<float>>(5), std::make_shared<LSTMCell<float>>(4)}, seq))};
       }, "masked"},
      {"user_layer_lowering", [=] { return Layers{L_(GRU(6, {}, seq)), L_(Scale(-1.5f)), L_(Dense(2))}; }},
      {"user_cell_lowering_back_seq", [=] { return Layers{L_(RNN<float>(std::make_shared<UserTanhCell>(), back_seq))}; }},
      {"user_cell_lowering_masked_bidi", [=] {
         // An unregistered cell: Bidirectional takes its backward layer rather than copying by config.
         auto backward = std::make_shared<RNN<float>>(std::make_shared<UserTanhCell>(), back_seq);
         return Layers{L_(Masking(0.0)), L_(Bidirectional<float>(RNN<float>(std::make_shared<UserTanhCell>(), seq),
                                                                 {.merge_mode = "sum", .backward_layer = backward}))};
       }, "masked"},
      {"opset14", [=] { return Layers{L_(GRU(6, {}, seq)), L_(Dense(2))}; }, "float", {.opset = 14}},
      {"fixed_shape", [=] { return Layers{L_(LSTM(6, {}, seq))}; }, "float",
       {.dynamic_batch = false, .dynamic_sequence = false, .batch_size = 7}, {{7, 13}}},
      {"dynamic_batch_1_7_64", [] { return Layers{L_(GRU(6)), L_(Dense(3, {.activation = "sigmoid"}))}; }, "float",
       {.dynamic_sequence = false}, {{1, 13}, {7, 13}, {64, 13}}},
  };
  for (const char* a : {"linear", "tanh", "sigmoid", "hard_sigmoid", "relu", "elu", "selu", "softplus", "softsign",
                        "swish", "exponential", "softmax"})
    c.push_back({std::string("dense_") + a, [a] { return Layers{L_(Dense(4, {.activation = a})), L_(Dense(3))}; }});
  return c;
}

// Weights drawn uniformly in [-0.5, 0.5], biases included, so that every weight's mapping counts.
void randomize(Sequential<float>& model, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (auto w : model.weights()) {
    std::vector<float> v(w.value().size());
    for (auto& x : v) x = u(gen);
    w.assign(Tensor<float>(w.value().shape(), v));
  }
}

TEST(OnnxMatrix, ExportsRunInOnnxRuntimeAsLoomPredicts) {
  if (const auto why = test::onnx_peer_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (const auto why = test::onnx_checker_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = test::onnx_work_dir("matrix");
  const auto all = cases();
  ASSERT_GE(all.size(), 25u);
  Config index = Config::array();
  std::vector<std::vector<Tensor<float>>> want(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Case& k = all[i];
    SCOPED_TRACE(k.id);
    auto model = std::make_shared<Sequential<float>>(k.layers());
    const auto first = k.runs.front();
    model->predict(make_input(k.kind, first.first, first.second, kFeatures, 1), {.verbose = 0});  // builds it
    randomize(*model, 100 + static_cast<std::uint32_t>(i));
    const std::string file = k.id + ".onnx";
    ASSERT_NO_THROW(export_onnx(*model, dir + "/" + file, k.options)) << k.id;
    Config entry = {{"model", file}, {"input", k.options.input_name}, {"output", k.options.output_name}};
    entry["runs"] = Config::array();
    for (std::size_t r = 0; r < k.runs.size(); ++r) {
      const auto [batch, steps] = k.runs[r];
      const Tensor<float> x = make_input(k.kind, batch, steps, kFeatures, 7 * static_cast<std::uint32_t>(i + r) + 3);
      want[i].push_back(model->predict(x, {.verbose = 0}));
      const std::string xf = k.id + "_x" + std::to_string(r) + ".bin", yf = k.id + "_y" + std::to_string(r) + ".bin";
      test::write_f32(dir + "/" + xf, x);
      std::vector<std::size_t> dims(x.shape().begin(), x.shape().end());
      entry["runs"].push_back(Config{{"x", xf}, {"shape", dims}, {"y", yf}});
    }
    index.push_back(entry);
  }
  { std::ofstream(dir + "/index.json") << index.dump(1); }
  const std::string checked = test::run_onnx_checker(dir);
  EXPECT_EQ(checked, "") << "onnx.checker.check_model(full_check=True) rejected an export";
  const std::string ran = test::run_onnx_peer(dir);
  ASSERT_EQ(ran, "");
  double worst = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t r = 0; r < all[i].runs.size(); ++r) {
      SCOPED_TRACE(all[i].id + " run " + std::to_string(r));
      const Tensor<float> y = test::read_ort_output(dir + "/" + all[i].id + "_y" + std::to_string(r) + ".bin");
      const Tensor<float>& w = want[i][r];
      ASSERT_EQ(y.shape(), w.shape()) << all[i].id;
      double d = 0;
      for (std::size_t e = 0; e < y.size(); ++e) d = std::max(d, std::abs(double(y.data()[e]) - double(w.data()[e])));
      EXPECT_LE(d, kTol) << all[i].id << " at (batch, steps) = (" << all[i].runs[r].first << ", "
                         << all[i].runs[r].second << ")";
      worst = std::max(worst, d);
      ++compared;
    }
  }
  std::printf("[ loom -> onnxruntime-web 1.30.0 ] %zu models, %zu runs, max |ORT - loom| = %.3g\n", all.size(),
              compared, worst);
}

}  // namespace
}  // namespace loom
