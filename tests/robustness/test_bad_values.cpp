// Bad values that are not errors: dropout rates outside [0, 1] are clipped (as Keras does, and as
// docs/keras_compat.md says), NaN and Inf in inputs or targets stop fit through TerminateOnNaN
// with the last good weights and checkpoints kept, and zero-length sequences pad to all-masked rows.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "robust_util.hpp"

using namespace loom;
using namespace loom::testing;
using F = Tensor<float>;

TEST(BadValues, RecurrentDropoutRatesAreClippedToTheUnitInterval) {
  GRUCell<float> hi(4, {.dropout = 1.7, .recurrent_dropout = -0.3});
  EXPECT_EQ(hi.dropout(), 1.0);
  EXPECT_EQ(hi.recurrent_dropout(), 0.0);
  GRUCell<float> nan(4, {.dropout = std::nan("")});
  EXPECT_EQ(nan.dropout(), 0.0);
  LSTMCell<float> lstm(4, {.dropout = -2.0, .recurrent_dropout = 3.0});
  EXPECT_EQ(lstm.options().dropout, 0.0);
  EXPECT_EQ(lstm.options().recurrent_dropout, 1.0);
  SimpleRNNCell<float> rnn(4, {.dropout = 1e9, .recurrent_dropout = -1e-9});
  EXPECT_EQ(rnn.options().dropout, 1.0);
  EXPECT_EQ(rnn.options().recurrent_dropout, 0.0);
  // A clipped rate of 1 drops nothing (Keras applies masks only for 0 < rate < 1): training and
  // inference agree.
  GRU<float> gru(3, {.dropout = 5.0}, {.name = "clip_gru"});
  auto x = F::full(Shape{2, 4, 3}, 0.5f);
  EXPECT_TRUE(all_close(gru(x, true), gru(x, false), 0.0));
  // The documented rule.
  const std::string doc = slurp(std::string(LOOM_SOURCE_DIR) + "/docs/keras_compat.md");
  EXPECT_NE(doc.find("Clipped silently to [0, 1], as Keras does"), std::string::npos)
      << "docs/keras_compat.md no longer documents the dropout clipping";
}

namespace {

struct NanRun {
  std::shared_ptr<Sequential<float>> model;
  History history;
  std::string out;
};

// 64 samples, batches of 16 in order (no shuffle); `poison` sets sample 40 (batch 3 of epoch 1).
NanRun fit_with(const std::string& tag, std::function<void(F&, F&)> poison, bool terminate, std::size_t samples,
                const std::string& ckpt_dir = "") {
  NanRun r;
  r.model = small_mlp(tag, 21);
  r.model->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  auto [x, y] = linear_data(64, 22);
  if (poison) poison(x, y);
  F xs = F::empty(Shape{samples, 4}), ys = F::empty(Shape{samples, 1});
  std::memcpy(xs.data(), x.data(), samples * 4 * sizeof(float));
  std::memcpy(ys.data(), y.data(), samples * sizeof(float));
  std::ostringstream os;
  FitOptions<float> o{.epochs = 3, .batch_size = 16, .shuffle = false, .terminate_on_nan = terminate, .out = &os};
  o.verbose = 2;
  if (!ckpt_dir.empty())
    o.callbacks.push_back(std::make_shared<callbacks::ModelCheckpoint<float>>(ckpt_dir + "/ck-{epoch:02d}.npz"));
  r.history = r.model->fit(xs, ys, o);
  r.out = os.str();
  return r;
}

}  // namespace

TEST(BadValues, NanInputStopsFitWithTheLastGoodWeights) {
  const auto bad = fit_with("nan_x", [](F& x, F&) { x.data()[40 * 4 + 2] = std::nanf(""); }, true, 64);
  EXPECT_NE(bad.model->stop_reason().find("TerminateOnNaN: epoch 1, batch 3"), std::string::npos)
      << bad.model->stop_reason();
  EXPECT_NE(bad.out.find("the loss is nan"), std::string::npos) << bad.out;
  // The cut-short epoch is not an epoch: no history row.
  EXPECT_EQ(bad.history.size(), 0u);
  // Weights after 2 steps of the poisoned run equal one clean epoch of those 2 batches.
  auto w_bad = bad.model->get_weights();
  for (const auto& w : w_bad)
    for (float v : w) ASSERT_TRUE(std::isfinite(v));
  // The reference: the same start, trained one epoch on the 2 clean batches before the poisoned one.
  const auto one_epoch = [&] {
    auto r = small_mlp("nan_x", 21);
    r->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
    auto [x, y] = linear_data(64, 22);
    F xs = F::empty(Shape{32, 4}), ys = F::empty(Shape{32, 1});
    std::memcpy(xs.data(), x.data(), 32 * 4 * sizeof(float));
    std::memcpy(ys.data(), y.data(), 32 * sizeof(float));
    r->fit(xs, ys, {.epochs = 1, .batch_size = 16, .shuffle = false, .verbose = 0});
    return r->get_weights();
  }();
  EXPECT_TRUE(same_bits(w_bad, one_epoch)) << "the poisoned batch's update was applied";
}

TEST(BadValues, InfTargetStopsFitAndKeepsEarlierCheckpoints) {
  const std::string dir = fresh_dir("inf_y");
  // Sample 40 sits in epoch 1's third batch; epoch 1 itself completes only if that batch is fine,
  // so poison a sample of the second epoch instead: the run must stop in epoch 2.
  struct Poison : callbacks::Callback<float> {
    F* y = nullptr;
    void on_epoch_end(std::size_t epoch, Logs&) override {
      if (epoch == 0) y->data()[17] = std::numeric_limits<float>::infinity();
    }
  };
  auto m = small_mlp("inf_y", 23);
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  auto [x, y] = linear_data(64, 24);
  auto poison = std::make_shared<Poison>();
  poison->y = &y;  // fit's dataset holds the same storage (tensors are handles)
  std::ostringstream os;
  const auto h = m->fit(x, y, {.epochs = 3, .batch_size = 16, .shuffle = false,
                               .callbacks = {poison, std::make_shared<callbacks::ModelCheckpoint<float>>(
                                                         dir + "/ck-{epoch:02d}.npz",
                                                         callbacks::ModelCheckpointOptions{.monitor = "loss"})},
                               .verbose = 0, .out = &os});
  EXPECT_EQ(h.size(), 1u) << "only epoch 1 completed";
  EXPECT_NE(m->stop_reason().find("epoch 2, batch 2: the loss is inf"), std::string::npos) << m->stop_reason();
  // Epoch 1's checkpoint is there and whole; nothing was written after the bad batch.
  EXPECT_EQ(listing(dir), std::vector<std::string>{"ck-01.npz"});
  auto fresh = small_mlp("inf_y", 99);
  fresh->compile(std::make_shared<optimizers::Adam<float>>(), "mse");
  EXPECT_NO_THROW(fresh->load_checkpoint(dir + "/ck-01.npz"));
}

TEST(BadValues, NanTargetsWithoutTerminateOnNanLeaveTheWeightsFinite) {
  // The opt-out of TerminateOnNaN keeps training going, and the loss of the bad batch shows in the
  // history; its non-finite gradient is not applied (issue 25), so the weights stay finite, where
  // Keras would let them become nan.
  const auto r = fit_with("nan_y_off", [](F&, F& y) { y.data()[3] = std::nanf(""); }, false, 64);
  EXPECT_TRUE(r.model->stop_reason().empty());
  EXPECT_EQ(r.history.size(), 3u);
  EXPECT_TRUE(std::isnan(r.history["loss"].back()));
  bool any_nan = false;
  for (const auto& w : r.model->get_weights())
    for (float v : w) any_nan = any_nan || std::isnan(v);
  EXPECT_FALSE(any_nan);
}

TEST(BadValues, EvaluateAndPredictPassNonFiniteValuesThrough) {
  auto m = small_mlp("nan_eval", 25);
  m->compile(std::make_shared<optimizers::SGD<float>>(), "mse");
  auto [x, y] = linear_data(8, 26);
  y.data()[0] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(std::isinf(m->evaluate(x, y, {.verbose = 0}).at("loss")));
  x.data()[5] = std::nanf("");
  const F p = m->predict(x);
  EXPECT_TRUE(std::isnan(p.data()[1]));
  EXPECT_TRUE(std::isfinite(p.data()[0]));
}

TEST(BadValues, ZeroLengthSequencesPadToMaskedRows) {
  const std::vector<std::vector<int>> seqs{{}, {3, 4}, {}};
  const auto p = pad_sequences<float>(seqs);
  ASSERT_EQ(p.values.shape(), (Shape{3, 2}));
  EXPECT_TRUE(all_close(p.mask, F{{0.0f, 0.0f}, {1.0f, 1.0f}, {0.0f, 0.0f}}, 0.0));
  // A fully masked row through Embedding(mask_zero) and a GRU gives the initial (zero) state.
  Embedding<float> emb(5, 3, {.mask_zero = true, .name = "zl_emb"});
  GRU<float> gru(4, {}, {.name = "zl_gru"});
  const F ids = p.values;
  const F out = gru.call_full(emb(ids), {}, emb.compute_mask(ids, {})).output;
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(out.data()[k], 0.0f);
    EXPECT_EQ(out.data()[8 + k], 0.0f);
  }
  // Only empty sequences: a (3, 0) batch, which the RNN rejects by name (see the matrix).
  const auto empty = pad_sequences<float>(std::vector<std::vector<int>>{{}, {}, {}});
  EXPECT_EQ(empty.values.shape(), (Shape{3, 0}));
}
