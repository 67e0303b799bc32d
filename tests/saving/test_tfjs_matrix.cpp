// The TensorFlow.js matrix, against the real @tensorflow/tfjs 4.22.0 in node: models built in TF.js
// with its defaults load in loom (load_tfjs) and predict as TF.js did, and models built and trained
// in loom load in TF.js (tf.loadLayersModel) and predict as loom does; batch 1 and 7, within 1e-5.
// One node process per direction runs all the models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "loom.hpp"
#include "saving/tfjs_peer.hpp"

namespace loom {
namespace {

constexpr double kTol = 1e-5;

Tensor<float> tensor_of(const Config& j) {
  const auto shape = j.at("shape").get<std::vector<std::size_t>>();
  const auto data = j.at("data").get<std::vector<double>>();
  std::vector<float> v(data.begin(), data.end());
  return Tensor<float>(Shape(shape), v);
}

double max_abs_diff(const Tensor<float>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a.data()[i]) - b[i]));
  return m;
}

TEST(TfjsMatrix, ModelsBuiltInTfjsPredictTheSameInLoom) {
  if (const auto why = test::tfjs_peer_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const std::string root = test::fresh_dir("from_tfjs");
  const std::string err = test::run_tfjs_peer("make", root);
  ASSERT_EQ(err, "");
  const auto ids = Config::parse(test::slurp_file(root + "/index.json")).get<std::vector<std::string>>();
  ASSERT_GE(ids.size(), 20u);
  double worst = 0;
  std::size_t checked = 0;
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    std::shared_ptr<Sequential<float>> model;
    try {
      model = load_tfjs<float>(root + "/" + id);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "load_tfjs(" << id << "): " << e.what();
      continue;
    }
    const Config io = Config::parse(test::slurp_file(root + "/" + id + "/io.json"));
    for (const auto& b : io.at("batches")) {
      const Tensor<float> y = model->predict(tensor_of(b.at("input")), {.verbose = 0});
      const auto want_shape = b.at("output").at("shape").get<std::vector<std::size_t>>();
      ASSERT_EQ(y.shape(), Shape(want_shape));
      const double d = max_abs_diff(y, b.at("output").at("data").get<std::vector<double>>());
      EXPECT_LE(d, kTol) << id << " batch " << y.shape()[0];
      worst = std::max(worst, d);
      ++checked;
    }
  }
  std::printf("[ tfjs -> loom ] %zu models, %zu predictions, max |loom - tfjs| = %.3g\n", ids.size(), checked, worst);
  EXPECT_EQ(checked, 2 * ids.size());
}

// Inputs as the peer draws them: floats in [-1, 1]; "masked" zeroes the trailing steps of some
// samples (the mask value); ids in [1, vocab), "padded" with trailing zeros.
Tensor<float> make_input(const std::string& kind, std::size_t batch, std::vector<std::size_t> dims, int vocab,
                         std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_int_distribution<int> id(1, std::max(1, vocab - 1));
  dims.insert(dims.begin(), batch);
  const Shape shape(dims);
  std::vector<float> v(shape.numel());
  const std::size_t steps = dims[1], per = dims.size() > 2 ? dims[2] : 1;
  for (std::size_t b = 0; b < batch; ++b) {
    const std::size_t keep = (kind == "masked" || kind == "padded") ? 1 + (b * 3) % steps : steps;
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t f = 0; f < per; ++f) {
        const bool ids = kind == "ids" || kind == "padded";
        v[(b * steps + t) * per + f] = t < keep ? (ids ? float(id(gen)) : u(gen)) : 0.f;
      }
  }
  return Tensor<float>(shape, v);
}

struct LoomCase {
  std::string id, kind;
  std::vector<std::size_t> dims;
  int vocab = 0;
  std::function<void(Sequential<float>&)> layers;
};

std::vector<LoomCase> loom_cases() {
  const GRUCellOptions ra_false{.reset_after = false};
  std::vector<LoomCase> cases;
  for (const char* a : {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
                        "hard_sigmoid", "swish"})
    cases.push_back({std::string("dense_") + a, "float", {6}, 0, [a](Sequential<float>& m) {
                       m.add(Dense(7, {.activation = a}));
                       m.add(Dense(3));
                     }});
  cases.push_back({"dense_dropout", "float", {6}, 0, [](auto& m) {
                     m.add(Dense(8, {.activation = "relu"}));
                     m.add(Dropout(0.4));
                     m.add(Dense(2, {.activation = "softmax"}));
                   }});
  cases.push_back({"embedding_mask_lstm", "padded", {6}, 12, [](auto& m) {
                     m.add(Embedding(12, 4, {.mask_zero = true}));
                     m.add(LSTM(5));
                     m.add(Dense(2));
                   }});
  cases.push_back({"embedding_gru", "ids", {6}, 9, [ra_false](auto& m) {
                     m.add(Embedding(9, 3));
                     m.add(GRU(4, ra_false));
                     m.add(Dense(3, {.activation = "softmax"}));
                   }});
  cases.push_back({"masking_simple_rnn_stacked", "masked", {5, 3}, 0, [](auto& m) {
                     m.add(Masking(0.0));
                     m.add(SimpleRNN(4, {}, {.return_sequences = true}));
                     m.add(SimpleRNN(3));
                   }});
  cases.push_back({"masking_gru_sequences", "masked", {5, 3}, 0, [ra_false](auto& m) {
                     m.add(Masking(0.0));
                     m.add(GRU(4, ra_false, {.return_sequences = true}));
                     m.add(Dense(2));
                   }});
  cases.push_back({"lstm_go_backwards_no_forget_bias", "float", {5, 3}, 0, [](auto& m) {
                     m.add(LSTM(4, {.unit_forget_bias = false}, {.go_backwards = true}));
                     m.add(Dense(1));
                   }});
  cases.push_back({"gru_stacked_backwards_hard_sigmoid", "float", {5, 3}, 0, [](auto& m) {
                     m.add(GRU(4, {.recurrent_activation = "hard_sigmoid", .reset_after = false},
                               {.return_sequences = true}));
                     m.add(GRU(3, {.reset_after = false}, {.go_backwards = true}));
                   }});
  cases.push_back({"lstm_relu", "float", {5, 3}, 0, [](auto& m) { m.add(LSTM(3, {.activation = "relu"})); }});
  cases.push_back({"simple_rnn_no_bias_sequences", "float", {5, 3}, 0, [](auto& m) {
                     m.add(SimpleRNN(4, {.use_bias = false}, {.return_sequences = true}));
                   }});
  for (const char* mode : {"concat", "sum", "mul", "ave"})
    cases.push_back({std::string("bidi_lstm_") + mode, "float", {5, 3}, 0, [mode](auto& m) {
                       m.add(Bidirectional(LSTM(3), {.merge_mode = mode}));
                       m.add(Dense(2));
                     }});
  cases.push_back({"bidi_gru_sum_sequences_then_lstm", "float", {5, 3}, 0, [ra_false](auto& m) {
                     m.add(Bidirectional(GRU(3, ra_false, {.return_sequences = true}), {.merge_mode = "sum"}));
                     m.add(LSTM(2));
                   }});
  cases.push_back({"bidi_simple_rnn_mul_backwards", "float", {5, 3}, 0, [](auto& m) {
                     m.add(Bidirectional(SimpleRNN(3, {}, {.go_backwards = true}), {.merge_mode = "mul"}));
                   }});
  cases.push_back({"embedding_mask_bidi_gru_ave", "padded", {6}, 10, [ra_false](auto& m) {
                     m.add(Embedding(10, 4, {.mask_zero = true}));
                     m.add(Bidirectional(GRU(3, ra_false), {.merge_mode = "ave"}));
                     m.add(Dense(2, {.activation = "sigmoid"}));
                   }});
  return cases;
}

TEST(TfjsMatrix, ModelsTrainedInLoomPredictTheSameInTfjs) {
  if (const auto why = test::tfjs_peer_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const std::string root = test::fresh_dir("from_loom");
  const auto cases = loom_cases();
  ASSERT_GE(cases.size(), 20u);
  std::map<std::string, std::vector<Tensor<float>>> expected;
  Config index = Config::array();
  std::uint32_t seed = 100;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    set_seed(seed);
    Sequential<float> model;
    c.layers(model);
    // A few steps of training, so that no weight is at its initial value (biases leave zero).
    const Tensor<float> x = make_input(c.kind, 14, c.dims, c.vocab, seed++);
    const Tensor<float> y0 = model.predict(x, {.verbose = 0});
    Generator gen(seed);
    const Tensor<float> target = random::normal<float>(y0.shape(), 0.0, 1.0, gen);
    model.compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.05}), "mse");
    model.fit(x, target, {.epochs = 3, .batch_size = 7, .verbose = 0});
    ASSERT_NO_THROW(save_tfjs(model, root + "/" + c.id));
    Config inputs = {{"batches", Config::array()}};
    for (std::size_t batch : {1u, 7u}) {
      const Tensor<float> in = make_input(c.kind, batch, c.dims, c.vocab, seed++);
      expected[c.id].push_back(model.predict(in, {.verbose = 0}));
      inputs["batches"].push_back({{"shape", std::vector<std::size_t>(in.shape().begin(), in.shape().end())},
                                   {"data", std::vector<float>(in.data(), in.data() + in.size())}});
    }
    std::ofstream(root + "/" + c.id + "/inputs.json") << inputs.dump();
    index.push_back(c.id);
  }
  std::ofstream(root + "/index.json") << index.dump();
  const std::string err = test::run_tfjs_peer("predict", root);
  ASSERT_EQ(err, "");
  double worst = 0;
  std::size_t checked = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    const Config got = Config::parse(test::slurp_file(root + "/" + c.id + "/tfjs_predictions.json"));
    if (got.contains("error")) {
      ADD_FAILURE() << "tf.loadLayersModel / predict of " << c.id << ": " << got["error"].get<std::string>();
      continue;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      const auto data = got.at("batches").at(i).at("data").get<std::vector<double>>();
      ASSERT_EQ(data.size(), expected[c.id][i].size());
      const double d = max_abs_diff(expected[c.id][i], data);
      EXPECT_LE(d, kTol) << c.id << " batch " << expected[c.id][i].shape()[0];
      worst = std::max(worst, d);
      ++checked;
    }
  }
  std::printf("[ loom -> tfjs ] %zu models, %zu predictions, max |tfjs - loom| = %.3g\n", cases.size(), checked, worst);
  EXPECT_EQ(checked, 2 * cases.size());
}

}  // namespace
}  // namespace loom
