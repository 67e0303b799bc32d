// Weight files and checkpoints keyed by structural paths (layers/weight_paths.hpp): two instances
// of one architecture in one process, built after other models, exchange weights both ways; files
// of loom 0.1 (keyed by layer names) still load (train/weight_keys.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::temp_dir;
using loom::testing::throws_with;

namespace {

using Builder = std::function<std::shared_ptr<Sequential<float>>()>;

// Unrelated layers and models, so that every name counter moves between two instances.
void build_unrelated() {
  Sequential<float> other;
  other.add(Embedding(5, 2));
  other.add(LSTM(2));
  other.add(Dense(3));
  other.build(Shape{1, 3});
  GRU<float> g(2);
  Bidirectional<float> b(LSTM(2));
}

std::shared_ptr<Sequential<float>> embedding_bilstm_dense() {
  auto m = std::make_shared<Sequential<float>>();
  m->add(Embedding(12, 4, {.mask_zero = true}));
  m->add(Bidirectional(LSTM(3)));
  m->add(Dense(2));
  m->build(Shape{1, 5});
  return m;
}

std::shared_ptr<Sequential<float>> bilstm_stack() {
  auto m = std::make_shared<Sequential<float>>();
  m->add(Bidirectional(LSTM(3, {}, {.return_sequences = true})));
  m->add(Bidirectional(LSTM(2)));
  m->add(Dense(1));
  m->build(Shape{1, 4, 3});
  return m;
}

std::shared_ptr<Sequential<float>> stacked_cells() {
  auto m = std::make_shared<Sequential<float>>();
  std::vector<std::shared_ptr<RNNCell<float>>> cells{std::make_shared<GRUCell<float>>(3),
                                                    std::make_shared<LSTMCell<float>>(2),
                                                    std::make_shared<SimpleRNNCell<float>>(2)};
  m->add(std::make_shared<RNN<float>>(std::make_shared<StackedRNNCells<float>>(cells)));
  m->add(Dense(1));
  m->build(Shape{1, 4, 3});
  return m;
}

Tensor<float> ids_input() {
  Tensor<float> x = Tensor<float>::empty(Shape{8, 5});
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t t = 0; t < 5; ++t) x.data()[i * 5 + t] = static_cast<float>(t + i < 9 ? (i * 3 + t * 5) % 12 : 0);
  return x;
}

Tensor<float> seq_input() {
  Generator g(5);
  return random::uniform<float>(Shape{6, 4, 3}, -1.0, 1.0, g);
}

// a -> file -> b and b -> file -> a, each time with bit-identical predictions.
void exchange_both_ways(const Builder& make, const Tensor<float>& x, const std::string& tag) {
  const std::string dir = temp_dir(tag);
  set_seed(1);
  auto a = make();
  build_unrelated();
  set_seed(2);
  auto b = make();
  ASSERT_NE(a->weights()[0].name(), b->weights()[0].name()) << "the instances should differ in names";
  const Tensor<float> pa = a->predict(x), pb = b->predict(x);
  ASSERT_FALSE(bit_equal(pa, pb));
  a->save_weights(dir + "/a.npz");
  b->load_weights(dir + "/a.npz");
  EXPECT_TRUE(bit_equal(b->predict(x), pa));
  // And back: a third, fresh set of weights in b, saved and loaded into a.
  set_seed(3);
  auto c = make();
  c->save_weights(dir + "/c.npz");
  b->load_weights(dir + "/c.npz");
  b->save_weights(dir + "/b.npz");
  a->load_weights(dir + "/b.npz");
  EXPECT_TRUE(bit_equal(a->predict(x), c->predict(x)));
  EXPECT_FALSE(bit_equal(a->predict(x), pa));
  std::filesystem::remove_all(dir);
}

std::string data_dir() { return std::string(LOOM_TEST_DATA_DIR) + "/legacy_v0_1"; }

bool close(const Tensor<float>& a, const Tensor<float>& b, double tol) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(static_cast<double>(a.data()[i]) - b.data()[i]) > tol) return false;
  return true;
}

}  // namespace

TEST(WeightPathsExchange, EmbeddingBidirectionalLSTMDense) {
  exchange_both_ways(embedding_bilstm_dense, ids_input(), "wpx_ebd");
}

TEST(WeightPathsExchange, StackedBidirectionalLSTM) { exchange_both_ways(bilstm_stack, seq_input(), "wpx_bi"); }

TEST(WeightPathsExchange, StackedCells) { exchange_both_ways(stacked_cells, seq_input(), "wpx_cells"); }

TEST(WeightPathsExchange, FileKeysArePaths) {
  const std::string dir = temp_dir("wpx_keys");
  auto m = embedding_bilstm_dense();
  m->save_weights(dir + "/w.npz");
  std::vector<std::string> keys;
  for (const auto& [k, v] : io::load_npz<float>(dir + "/w.npz")) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "sequential/bidirectional/lstm/lstm_cell/bias",
                      "sequential/bidirectional/lstm/lstm_cell/kernel",
                      "sequential/bidirectional/lstm/lstm_cell/recurrent_kernel",
                      "sequential/bidirectional/lstm_1/lstm_cell/bias",
                      "sequential/bidirectional/lstm_1/lstm_cell/kernel",
                      "sequential/bidirectional/lstm_1/lstm_cell/recurrent_kernel",
                      "sequential/dense/bias", "sequential/dense/kernel", "sequential/embedding/embeddings"}));
  std::filesystem::remove_all(dir);
}

TEST(WeightPathsExchange, CheckpointResumesAcrossInstances) {
  const std::string dir = temp_dir("wpx_ckpt");
  const Tensor<float> x = ids_input();
  Tensor<float> y = Tensor<float>::empty(Shape{8, 2});
  for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(std::sin(0.7 * i));
  auto compile = [](Sequential<float>& m) {
    m.compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  };
  const FitOptions<float> o{.epochs = 4, .batch_size = 4, .verbose = 0};
  set_seed(11);
  auto straight = embedding_bilstm_dense();
  compile(*straight);
  set_seed(12);
  straight->fit(x, y, o);
  const Tensor<float> expected = straight->predict(x);

  set_seed(11);
  auto first = embedding_bilstm_dense();
  compile(*first);
  set_seed(12);
  auto o2 = o;
  o2.epochs = 2;
  first->fit(x, y, o2);
  first->save_checkpoint(dir + "/c.npz", {2, 0});
  const auto arrays = io::load_npz<float>(dir + "/c.npz");
  EXPECT_TRUE(arrays.count("optimizer/sequential/bidirectional/lstm_1/lstm_cell/kernel/momentum"));
  EXPECT_TRUE(arrays.count("weights/sequential/dense/kernel"));

  build_unrelated();
  set_seed(99);
  auto second = embedding_bilstm_dense();
  compile(*second);
  const CheckpointInfo info = second->load_checkpoint(dir + "/c.npz");
  auto o3 = o;
  o3.initial_epoch = info.epoch;
  second->fit(x, y, o3);
  EXPECT_TRUE(bit_equal(second->predict(x), expected));
  std::filesystem::remove_all(dir);
}

// The previous scheme, written here as loom 0.1 wrote it: each weight under its variable's name.
TEST(WeightPathsExchange, OldKeysLoadByExactNameAndByRank) {
  const std::string dir = temp_dir("wpx_old");
  set_seed(4);
  auto a = embedding_bilstm_dense();
  io::save_npz<float>(dir + "/old.npz", named_weights(*a));
  const Tensor<float> pa = a->predict(ids_input());
  // Same process, same model: the names match exactly.
  auto again = embedding_bilstm_dense();
  a->load_weights(dir + "/old.npz");
  EXPECT_TRUE(bit_equal(a->predict(ids_input()), pa));
  // Another instance: names differ, the ranks agree.
  build_unrelated();
  auto b = embedding_bilstm_dense();
  b->load_weights(dir + "/old.npz");
  EXPECT_TRUE(bit_equal(b->predict(ids_input()), pa));
  // Another architecture: refused, naming the file and the key.
  auto c = bilstm_stack();
  const auto before = c->get_weights();
  // The groups are taken in order, (dense, bias) first: its keys do not fit the model's.
  EXPECT_TRUE(throws_with<IOError>([&] { c->load_weights(dir + "/old.npz"); }, {"old.npz", "loom 0.1", "dense"}));
  const auto after = c->get_weights();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(before[i] == after[i]);
  // A shape that disagrees: refused too.
  auto arrays = named_weights(*a);
  auto dense_kernel = std::find_if(arrays.begin(), arrays.end(), [](const auto& kv) {
    return kv.first.find("dense") == 0 && kv.first.find("/kernel") != std::string::npos;
  });
  ASSERT_NE(dense_kernel, arrays.end());
  const std::string key = dense_kernel->first;
  dense_kernel->second = Tensor<float>::zeros(Shape{7, 2});
  io::save_npz<float>(dir + "/bad_shape.npz", arrays);
  EXPECT_TRUE(throws_with<IOError>([&] { b->load_weights(dir + "/bad_shape.npz"); }, {"bad_shape.npz", key, "(7, 2)"}));
  EXPECT_TRUE(bit_equal(b->predict(ids_input()), pa));
  std::filesystem::remove_all(dir);
}

TEST(WeightPathsExchange, FilesOfLoom01Load) {
  const auto expected = io::load_npz<float>(data_dir() + "/expected.npz");
  build_unrelated();
  auto m = embedding_bilstm_dense();
  m->load_weights(data_dir() + "/weights.npz");
  // Mapped by rank: embedding_1 -> embedding, lstm_cell_1 -> forward, lstm_cell_2 -> backward.
  const auto file = io::load_npz<float>(data_dir() + "/weights.npz");
  const auto bi = std::dynamic_pointer_cast<Bidirectional<float>>(m->layers()[1]);
  ASSERT_TRUE(bi);
  EXPECT_TRUE(bit_equal(bi->backward_layer()->weights()[0].value(), file.at("lstm_cell_2/kernel")));
  EXPECT_TRUE(bit_equal(bi->forward_layer()->weights()[0].value(), file.at("lstm_cell_1/kernel")));
  EXPECT_TRUE(close(m->predict(expected.at("x")), expected.at("predict_epoch2"), 1e-5));

  // The old checkpoint resumes: one more epoch gives what loom 0.1 gave.
  auto r = embedding_bilstm_dense();
  r->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  const CheckpointInfo info = r->load_checkpoint(data_dir() + "/checkpoint.npz");
  EXPECT_EQ(info.epoch, 2u);
  EXPECT_EQ(r->optimizer()->iterations(), 4);
  r->fit(expected.at("x"), expected.at("y"),
         {.epochs = 3, .batch_size = 4, .shuffle = false, .verbose = 0, .initial_epoch = info.epoch});
  EXPECT_TRUE(close(r->predict(expected.at("x")), expected.at("predict_epoch3"), 1e-5));
}
