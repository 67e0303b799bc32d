// Training with dropout on the fused GRU path: RNN::try_fused takes the masks from
// GRUCell::get_dropout_masks, so two identically seeded cells, one run fused and one through the
// step loop, must see the same masks and give the same outputs, states and gradients, call after
// call (which also shows both draw their masks once per call from the same generator stream).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rnn_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

template <class T>
struct Run {
  RNNResult<T> res;
  std::vector<Tensor<T>> grads;  // x, h0, then the trainable weights
};

// Gradients of sum(output * Gy) + sum(state * Gh), so both results are weighted differently.
template <class T>
Run<T> run(RNN<T>& rnn, const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& mask) {
  GradientTape<T> tape;
  tape.watch(x);
  tape.watch(h0);
  const auto weights = rnn.trainable_weights();
  for (const auto& w : weights) tape.watch(w);
  Run<T> out;
  out.res = rnn.call_full(x, {h0}, mask, /*training=*/true);
  const auto Gy = rand_tensor<T>(out.res.output.shape(), 901);
  const auto Gh = rand_tensor<T>(out.res.states[0].shape(), 902);
  auto loss = sum(out.res.output * Gy) + sum(out.res.states[0] * Gh);
  std::vector<Tensor<T>> sources = {x, h0};
  for (const auto& w : weights) sources.push_back(w.value());
  out.grads = tape.gradient(loss, sources);
  return out;
}

template <class T>
double max_abs_diff(const Tensor<T>& a, const Tensor<T>& b) {
  if (a.shape() != b.shape()) return INFINITY;
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return m;
}

struct DropCase {
  const char* name;
  GRUCellOptions options;
};

std::vector<DropCase> drop_cases() {
  return {
      {"impl 2, input dropout", {.dropout = 0.3, .implementation = 2, .seed = 11}},
      {"impl 1, input dropout", {.dropout = 0.3, .implementation = 1, .seed = 12}},
      {"impl 1, both", {.dropout = 0.3, .recurrent_dropout = 0.4, .seed = 13}},
      {"impl 1, both, reset_after=false", {.dropout = 0.25, .recurrent_dropout = 0.5, .reset_after = false, .seed = 14}},
      {"impl 1, recurrent only, no bias", {.use_bias = false, .recurrent_dropout = 0.4, .seed = 15}},
  };
}

// Gradients are compared within tol absolute plus tol relative: a weight gradient sums B*T terms
// and reaches a few units, where a float ulp is already 2.4e-7.
template <class T>
void check_fused_equals_loop(double tol, const char* type) {
  double worst_value = 0.0, worst_grad = 0.0, largest_grad = 0.0;
  const std::size_t B = 3, Tn = 5, F = 4, U = 6;
  const auto x = rand_tensor<T>(Shape{B, Tn, F}, 21);
  const auto h0 = rand_tensor<T>(Shape{B, U}, 22, -0.5, 0.5);
  const auto mask = mask_tensor<T>({{1, 1, 0, 1, 0}, {1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}});
  for (const auto& c : drop_cases())
    for (bool back : {false, true})
      for (bool masked : {false, true}) {
        const std::string tag = std::string(c.name) + (back ? ", go_backwards" : "") + (masked ? ", masked" : "");
        // Same seed, same weights: only the path differs.
        auto fcell = std::make_shared<GRUCell<T>>(U, c.options);
        auto lcell = std::make_shared<GRUCell<T>>(U, c.options);
        RNN<T> fused(fcell, {.return_sequences = true, .go_backwards = back});
        RNN<T> loop(lcell, {.return_sequences = true, .go_backwards = back, .use_fused = false});
        fused.build(x.shape());
        loop.build(x.shape());
        loop.set_weights(fused.get_weights());
        const Tensor<T> m = masked ? mask : Tensor<T>();
        std::vector<Tensor<T>> first_outputs;
        for (int call = 0; call < 2; ++call) {
          auto a = run(fused, x, h0, m);
          ASSERT_TRUE(fused.last_call_fused()) << tag;
          auto b = run(loop, x, h0, m);
          ASSERT_FALSE(loop.last_call_fused()) << tag;
          EXPECT_TRUE(all_close(a.res.output, b.res.output, tol)) << tag << ", call " << call << ": outputs";
          EXPECT_TRUE(all_close(a.res.states[0], b.res.states[0], tol)) << tag << ", call " << call << ": state";
          ASSERT_EQ(a.grads.size(), b.grads.size());
          for (std::size_t i = 0; i < a.grads.size(); ++i)
            EXPECT_TRUE(all_close(a.grads[i], b.grads[i], tol, tol)) << tag << ", call " << call << ": grad " << i;
          // The call's masks are released when it ends, on both paths.
          EXPECT_TRUE(fcell->dropout_masks().empty() && fcell->recurrent_dropout_masks().empty()) << tag;
          first_outputs.push_back(a.res.output);
          worst_value = std::max({worst_value, max_abs_diff(a.res.output, b.res.output),
                                  max_abs_diff(a.res.states[0], b.res.states[0])});
          for (std::size_t i = 0; i < a.grads.size(); ++i) {
            worst_grad = std::max(worst_grad, max_abs_diff(a.grads[i], b.grads[i]));
            largest_grad = std::max(largest_grad, max_abs_diff(b.grads[i], Tensor<T>::zeros(b.grads[i].shape())));
          }
        }
        // Each call draws new masks, so the second call differs from the first.
        EXPECT_FALSE(all_close(first_outputs[0], first_outputs[1], 1e-3)) << tag;
      }
  std::printf("%s: max |fused - loop| over outputs/states %.3g, over gradients %.3g (largest |gradient| %.3g)\n",
              type, worst_value, worst_grad, largest_grad);
}

}  // namespace

TEST(RNNFusedDropout, FloatFusedEqualsStepLoop) { check_fused_equals_loop<float>(1e-6, "float"); }
TEST(RNNFusedDropout, DoubleFusedEqualsStepLoop) { check_fused_equals_loop<double>(1e-12, "double"); }

// The fused path really applies dropout: without training, or with the masks of a differently
// seeded cell, the output changes.
TEST(RNNFusedDropout, MasksMatterAndTrainingFalseDropsNothing) {
  const auto x = rand_tensor<double>(Shape{2, 4, 3}, 31);
  auto a = std::make_shared<GRUCell<double>>(5, GRUCellOptions{.dropout = 0.4, .recurrent_dropout = 0.4, .seed = 1});
  auto b = std::make_shared<GRUCell<double>>(5, GRUCellOptions{.dropout = 0.4, .recurrent_dropout = 0.4, .seed = 2});
  RNN<double> ra(a), rb(b);
  ra.build(x.shape());
  rb.build(x.shape());
  rb.set_weights(ra.get_weights());
  const auto ya = ra.call_full(x, {}, {}, true).output;
  EXPECT_TRUE(ra.last_call_fused());
  EXPECT_FALSE(all_close(ya, rb.call_full(x, {}, {}, true).output, 1e-3));
  const auto plain = ra.call_full(x, {}, {}, false).output;
  EXPECT_TRUE(ra.last_call_fused());
  RNN<double> nodrop(std::make_shared<GRUCell<double>>(5), {.use_fused = false});
  nodrop.build(x.shape());
  nodrop.set_weights(ra.get_weights());
  EXPECT_TRUE(all_close(plain, nodrop.call_full(x).output, 1e-12));
  EXPECT_FALSE(all_close(ya, plain, 1e-3));
}

// get_dropout_masks draws what the cell's own first step would, and returns the cached masks
// until the next reset.
TEST(GRUCellDropoutMasks, SameDrawsAsTheStepAndCachedUntilReset) {
  for (int impl : {1, 2}) {
    const GRUCellOptions o{.dropout = 0.5, .recurrent_dropout = impl == 1 ? 0.5 : 0.0, .implementation = impl, .seed = 9};
    GRUCell<float> stepped(4, o), asked(4, o);
    const auto x = rand_tensor<float>(Shape{3, 5}, 41);
    stepped.call(x, stepped.get_initial_state(3), true);
    asked.build(x.shape());
    const auto m = asked.get_dropout_masks(3, true);
    ASSERT_EQ(m.input.size(), stepped.dropout_masks().size());
    ASSERT_EQ(m.recurrent.size(), stepped.recurrent_dropout_masks().size());
    EXPECT_EQ(m.input.size(), impl == 1 ? 3u : 1u);
    EXPECT_EQ(m.recurrent.size(), impl == 1 ? 3u : 0u);
    for (std::size_t k = 0; k < m.input.size(); ++k) {
      EXPECT_EQ(m.input[k].shape(), (Shape{3, 5}));
      EXPECT_TRUE(all_close(m.input[k], stepped.dropout_masks()[k], 0.0)) << "input " << k;
    }
    for (std::size_t k = 0; k < m.recurrent.size(); ++k) {
      EXPECT_EQ(m.recurrent[k].shape(), (Shape{3, 4}));
      EXPECT_TRUE(all_close(m.recurrent[k], stepped.recurrent_dropout_masks()[k], 0.0)) << "recurrent " << k;
    }
    // Cached: the same tensors again, and a step reuses them.
    const auto again = asked.get_dropout_masks(3, true);
    EXPECT_EQ(again.input[0].id(), m.input[0].id());
    asked.call(x, asked.get_initial_state(3), true);
    EXPECT_EQ(asked.dropout_masks()[0].id(), m.input[0].id());
    // Not training: nothing applies and nothing is drawn.
    const auto none = asked.get_dropout_masks(3, false);
    EXPECT_TRUE(none.input.empty() && none.recurrent.empty());
    asked.reset_dropout_masks();
    EXPECT_FALSE(all_close(asked.get_dropout_masks(3, true).input[0], m.input[0], 0.0));
  }
  GRUCell<float> unbuilt(4, {.dropout = 0.5});
  EXPECT_TRUE(throws_with<ValueError>([&] { unbuilt.get_dropout_masks(2, true); }, {"get_dropout_masks", "built"}));
}
