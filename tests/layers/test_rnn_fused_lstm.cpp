// The RNN wrapper runs a single LSTMCell through the fused lstm_sequence op (RNN::try_fused).
// Two cells with the same weights and seed, one run fused and one through the step loop, must give
// the same outputs, both states and gradients: without dropout over masks, go_backwards,
// zero_output_for_mask, no bias and another recurrent activation; with dropout (implementation 1
// and 2) over two training calls in a row, which also shows both paths draw their masks once per
// call from the same generator stream.
#include <gtest/gtest.h>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

template <class T>
struct Run {
  RNNResult<T> res;
  std::vector<Tensor<T>> grads;  // x, h0, c0, then the trainable weights
};

// Gradients of sum(output * Gy) + sum(h * Gh) + sum(c * Gc): every result weighted differently.
template <class T>
Run<T> run(RNN<T>& rnn, const Tensor<T>& x, const std::vector<Tensor<T>>& s0, const Tensor<T>& mask,
           bool training) {
  GradientTape<T> tape;
  tape.watch(x);
  for (const auto& s : s0) tape.watch(s);
  const auto weights = rnn.trainable_weights();
  for (const auto& w : weights) tape.watch(w);
  Run<T> out;
  out.res = rnn.call_full(x, s0, mask, training);
  auto loss = sum(out.res.output * rand_tensor<T>(out.res.output.shape(), 901)) +
              sum(out.res.states[0] * rand_tensor<T>(out.res.states[0].shape(), 902)) +
              sum(out.res.states[1] * rand_tensor<T>(out.res.states[1].shape(), 903));
  std::vector<Tensor<T>> sources = {x, s0[0], s0[1]};
  for (const auto& w : weights) sources.push_back(w.value());
  out.grads = tape.gradient(loss, sources);
  return out;
}

template <class T>
void expect_same(const Run<T>& a, const Run<T>& b, double tol, const std::string& tag) {
  EXPECT_TRUE(all_close(a.res.output, b.res.output, tol, tol)) << tag << ": output";
  EXPECT_TRUE(all_close(a.res.states[0], b.res.states[0], tol, tol)) << tag << ": h";
  EXPECT_TRUE(all_close(a.res.states[1], b.res.states[1], tol, tol)) << tag << ": c";
  ASSERT_EQ(a.grads.size(), b.grads.size()) << tag;
  for (std::size_t i = 0; i < a.grads.size(); ++i)
    EXPECT_TRUE(all_close(a.grads[i], b.grads[i], tol, tol)) << tag << ": grad " << i;
}

// A fused and a loop RNN over cells of the same options and weights.
template <class T>
std::pair<std::shared_ptr<RNN<T>>, std::shared_ptr<RNN<T>>> pair_of(std::size_t U,
                                                                    const LSTMCellOptions& co,
                                                                    RNNOptions ro,
                                                                    const Shape& x_shape) {
  auto fused = std::make_shared<RNN<T>>(std::make_shared<LSTMCell<T>>(U, co), ro);
  ro.use_fused = false;
  auto loop = std::make_shared<RNN<T>>(std::make_shared<LSTMCell<T>>(U, co), ro);
  fused->build(x_shape);
  loop->build(x_shape);
  loop->set_weights(fused->get_weights());
  return {fused, loop};
}

}  // namespace

TEST(RNNFusedLSTM, MatchesStepLoop) {
  const auto x = rand_tensor<double>(Shape{3, 5, 4}, 47);
  const std::vector<Tensor<double>> s0 = {rand_tensor<double>(Shape{3, 6}, 48),
                                          rand_tensor<double>(Shape{3, 6}, 49)};
  const auto m = mask_tensor<double>({{1, 1, 0, 1, 0}, {0, 0, 0, 0, 0}, {0, 1, 1, 1, 1}});
  for (bool use_bias : {true, false})
    for (const char* rec : {"sigmoid", "hard_sigmoid"})
      for (bool back : {false, true})
        for (bool zero : {false, true})
          for (bool seq : {false, true})
            for (bool masked : {false, true}) {
              const std::string tag = std::string(rec) + (use_bias ? "" : " no bias") +
                                      (back ? " backwards" : "") + (zero ? " zero_output" : "") +
                                      (seq ? " sequences" : "") + (masked ? " masked" : "");
              auto [fused, loop] = pair_of<double>(
                  6, {.recurrent_activation = rec, .use_bias = use_bias, .bias_initializer = "uniform"},
                  {.return_sequences = seq, .go_backwards = back, .zero_output_for_mask = zero},
                  x.shape());
              const auto a = run(*fused, x, s0, masked ? m : Tensor<double>(), false);
              EXPECT_TRUE(fused->last_call_fused()) << tag;
              const auto b = run(*loop, x, s0, masked ? m : Tensor<double>(), false);
              EXPECT_FALSE(loop->last_call_fused()) << tag;
              expect_same(a, b, 1e-12, tag);
            }
}

template <class T>
void check_dropout(double tol) {
  const auto x = rand_tensor<T>(Shape{3, 5, 4}, 21);
  const std::vector<Tensor<T>> s0 = {rand_tensor<T>(Shape{3, 6}, 22, -0.5, 0.5),
                                     rand_tensor<T>(Shape{3, 6}, 23, -0.5, 0.5)};
  const auto mask = mask_tensor<T>({{1, 1, 0, 1, 0}, {1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}});
  const std::vector<std::pair<const char*, LSTMCellOptions>> cases = {
      {"impl 2, input dropout", {.dropout = 0.3, .implementation = 2, .seed = 11}},
      {"impl 1, input dropout", {.dropout = 0.3, .implementation = 1, .seed = 12}},
      {"impl 1, both", {.dropout = 0.3, .recurrent_dropout = 0.4, .seed = 13}},
      {"impl 1, recurrent only, no bias", {.use_bias = false, .recurrent_dropout = 0.4, .seed = 15}},
  };
  for (const auto& [name, co] : cases)
    for (bool back : {false, true})
      for (bool masked : {false, true}) {
        const std::string tag =
            std::string(name) + (back ? ", go_backwards" : "") + (masked ? ", masked" : "");
        auto [fused, loop] =
            pair_of<T>(6, co, {.return_sequences = true, .go_backwards = back}, x.shape());
        const Tensor<T> m = masked ? mask : Tensor<T>();
        std::vector<Tensor<T>> outputs;
        for (int call = 0; call < 2; ++call) {
          const auto a = run(*fused, x, s0, m, true);
          ASSERT_TRUE(fused->last_call_fused()) << tag;
          const auto b = run(*loop, x, s0, m, true);
          expect_same(a, b, tol, tag + ", call " + std::to_string(call));
          outputs.push_back(a.res.output);
        }
        // Each call draws new masks, so the second call differs from the first.
        EXPECT_FALSE(all_close(outputs[0], outputs[1], 1e-3)) << tag;
      }
}

TEST(RNNFusedLSTM, FloatDropoutEqualsStepLoop) { check_dropout<float>(1e-5); }
TEST(RNNFusedLSTM, DoubleDropoutEqualsStepLoop) { check_dropout<double>(1e-12); }

TEST(RNNFusedLSTM, WhenTheLoopRuns) {
  const auto x = rand_tensor<float>(Shape{2, 3, 4}, 5);
  LSTM<float> plain(3);
  plain(x);
  EXPECT_TRUE(plain.last_call_fused());
  LSTM<float> softsign(3, {.activation = "softsign"});
  softsign(x);
  EXPECT_FALSE(softsign.last_call_fused());
  LSTM<float> forced(3, {}, {.use_fused = false});
  forced(x);
  EXPECT_FALSE(forced.last_call_fused());
}
