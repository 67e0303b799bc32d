// Weight files: keys are weight paths (layers/weight_paths.hpp), round trips, and bad files (empty, truncated at 10 points,
// random bytes, a valid npz missing a weight, a weight of the wrong shape, another architecture):
// each throws IOError or ShapeError naming the problem, and the model is left untouched.
#include <gtest/gtest.h>

#include <filesystem>

#include "fit_util.hpp"

using namespace loom;
using loom::testing::bit_equal;
using loom::testing::temp_dir;
using loom::testing::throws_with;

namespace {

std::shared_ptr<Sequential<float>> gru_model(std::uint64_t seed) {
  set_seed(seed);
  auto m = std::make_shared<Sequential<float>>("files");
  // Names do not matter to the file: its keys are paths (sequential/rnn/gru_cell/kernel, ...).
  auto cell = std::make_shared<GRUCell<float>>(3, GRUCellOptions{.name = "gru_cell"});
  m->add(std::make_shared<RNN<float>>(cell, RNNOptions{.name = "gru"}));
  m->add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "dense"}));
  m->build(Shape{1, 4, 2});
  return m;
}

std::vector<Tensor<float>> snapshot(const Model<float>& m) {
  std::vector<Tensor<float>> out;
  for (const auto& w : m.weights()) out.push_back(w.value().clone());
  return out;
}

bool unchanged(const Model<float>& m, const std::vector<Tensor<float>>& before) {
  const auto ws = m.weights();
  for (std::size_t i = 0; i < ws.size(); ++i)
    if (!bit_equal(ws[i].value(), before[i])) return false;
  return true;
}

}  // namespace

TEST(WeightFiles, KerasNamesAndRoundTrip) {
  const std::string dir = temp_dir("wf");
  auto a = gru_model(1);
  a->save_weights(dir + "/w.npz");
  const auto arrays = io::load_npz<float>(dir + "/w.npz");
  std::vector<std::string> names;
  for (const auto& [k, v] : arrays) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"sequential/dense/bias", "sequential/dense/kernel",
                                             "sequential/rnn/gru_cell/bias", "sequential/rnn/gru_cell/kernel",
                                             "sequential/rnn/gru_cell/recurrent_kernel"}));
  EXPECT_EQ(arrays.at("sequential/rnn/gru_cell/kernel").shape(), (Shape{2, 9}));
  EXPECT_EQ(arrays.at("sequential/rnn/gru_cell/bias").shape(), (Shape{2, 9}));
  auto b = gru_model(2);
  b->load_weights(dir + "/w.npz");
  EXPECT_TRUE(unchanged(*b, snapshot(*a)));
  // An unbuilt model has no weights to save or load into.
  Sequential<float> unbuilt("unbuilt");
  unbuilt.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "unbuilt_d"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { unbuilt.save_weights(dir + "/u.npz"); }, {"not built"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { unbuilt.load_weights(dir + "/w.npz"); }, {"not built"}));
  std::filesystem::remove_all(dir);
}

TEST(WeightFiles, BadFilesThrowAndLoadNothing) {
  const std::string dir = temp_dir("wf_bad");
  auto model = gru_model(3);
  model->save_weights(dir + "/good.npz");
  const std::string good = io::read_file(dir + "/good.npz");
  auto target = gru_model(4);
  const auto before = snapshot(*target);

  // Missing file.
  EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(dir + "/nope.npz"); }, {"nope.npz"}));
  // Empty file.
  io::write_file_atomic(dir + "/empty.npz", "");
  EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(dir + "/empty.npz"); }, {"empty.npz"}));
  // Truncated at 10 points.
  for (int k = 1; k <= 10; ++k) {
    const std::size_t cut = good.size() * static_cast<std::size_t>(k) / 11;
    io::write_file_atomic(dir + "/cut.npz", good.substr(0, cut));
    EXPECT_THROW(target->load_weights(dir + "/cut.npz"), IOError) << "cut at " << cut << " of " << good.size();
    EXPECT_THROW(target->load_checkpoint(dir + "/cut.npz"), IOError) << "cut at " << cut;
  }
  // Random bytes, and random bytes after a zip signature.
  Generator g(5);
  std::string noise(good.size(), '\0');
  for (auto& c : noise) c = static_cast<char>(g.randint(256));
  io::write_file_atomic(dir + "/noise.npz", noise);
  EXPECT_THROW(target->load_weights(dir + "/noise.npz"), IOError);
  io::write_file_atomic(dir + "/noise2.npz", "PK\x03\x04" + noise);
  EXPECT_THROW(target->load_weights(dir + "/noise2.npz"), IOError);
  // A byte flipped inside the data: the CRC catches it.
  std::string flipped = good;
  flipped[good.size() / 3] ^= 0x5a;
  io::write_file_atomic(dir + "/flip.npz", flipped);
  EXPECT_THROW(target->load_weights(dir + "/flip.npz"), IOError);

  // A valid npz missing a weight.
  auto arrays = io::load_npz<float>(dir + "/good.npz");
  auto missing = arrays;
  missing.erase("sequential/rnn/gru_cell/recurrent_kernel");
  io::save_npz(dir + "/missing.npz", missing);
  EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(dir + "/missing.npz"); },
                                   {"sequential/rnn/gru_cell/recurrent_kernel", "missing.npz"}));
  // A weight of the wrong shape.
  auto wrong = arrays;
  wrong["sequential/dense/kernel"] = Tensor<float>::zeros(Shape{3, 3});
  io::save_npz(dir + "/wrong.npz", wrong);
  EXPECT_TRUE(throws_with<ShapeError>([&] { target->load_weights(dir + "/wrong.npz"); },
                                      {"sequential/dense/kernel", "(3, 2)", "(3, 3)"}));
  // An extra array the model does not have.
  auto extra = arrays;
  extra["dense_9/kernel"] = Tensor<float>::zeros(Shape{1});
  io::save_npz(dir + "/extra.npz", extra);
  EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(dir + "/extra.npz"); }, {"dense_9/kernel"}));

  EXPECT_TRUE(unchanged(*target, before));  // nothing was half-loaded by any of these
  std::filesystem::remove_all(dir);
}

TEST(WeightFiles, AnotherArchitectureFailsCleanly) {
  const std::string dir = temp_dir("wf_arch");
  auto model = gru_model(6);
  model->save_weights(dir + "/w.npz");
  // Same layer names, other sizes: a shape error naming the weight.
  set_seed(7);
  Sequential<float> wider("wider");
  wider.add(std::make_shared<RNN<float>>(std::make_shared<GRUCell<float>>(5, GRUCellOptions{.name = "gru_cell"}), RNNOptions{.name = "gru"}));
  wider.add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "dense"}));
  wider.build(Shape{1, 4, 2});
  const auto before = snapshot(wider);
  EXPECT_TRUE(throws_with<ShapeError>([&] { wider.load_weights(dir + "/w.npz"); }, {"gru_cell/", "expected shape"}));
  EXPECT_TRUE(unchanged(wider, before));
  // Other layers entirely: a path the file lacks.
  Sequential<float> emb("emb");
  emb.add(std::make_shared<Embedding<float>>(5, 2));
  emb.build(Shape{1, 3});
  EXPECT_TRUE(throws_with<IOError>([&] { emb.load_weights(dir + "/w.npz"); },
                                   {"sequential/embedding/embeddings", "another architecture"}));
  std::filesystem::remove_all(dir);
}
