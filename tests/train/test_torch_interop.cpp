// Weights between loom and the real PyTorch (issue 11): a random torch.nn.GRU / LSTM (2 layers,
// bidirectional) exported with tools/torch_export.py runs in loom with the same outputs and final
// states; loom's weights survive loom -> npz -> torch -> npz -> loom bit for bit; and the Keras
// names loom writes are those listed in docs/interop.md. The torch side is one python start per
// test (tests/train/torch_interop_driver.py); without torch for /usr/bin/python3 the two torch
// tests skip.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "fit_util.hpp"
#include "test_util.hpp"

namespace loom {
namespace {

using testing::temp_dir;
using testing::throws_with;

constexpr std::size_t kI = 5, kH = 4, kB = 3, kT = 6;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs the driver; returns "" when it succeeded, "skip: ..." when torch (or python) is missing,
// else the failure with the driver's output.
std::string run_driver(const std::string& mode, const std::string& dir) {
  const std::string log = dir + "/driver.log";
  const std::string cmd = "/usr/bin/python3 " + std::string(LOOM_SOURCE_DIR) + "/tests/train/torch_interop_driver.py " +
                          mode + " " + dir + " " + LOOM_SOURCE_DIR + "/tools > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  if (code == 0) return "";
  if (code == 77) return "skip: torch is not importable by /usr/bin/python3 (apt-get install python3-torch)";
  if (code == 127) return "skip: /usr/bin/python3 not found";
  return "driver failed (exit " + std::to_string(code) + "):\n" + slurp(log);
}

// Two Bidirectional layers (GRU or LSTM, 4 units, return_sequences): torch's
// nn.GRU/LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True).
std::shared_ptr<Sequential<float>> bi_model(const std::string& mode) {
  auto m = std::make_shared<Sequential<float>>();
  for (int k = 0; k < 2; ++k) {
    std::shared_ptr<RNN<float>> layer;
    if (mode == "gru")
      layer = std::make_shared<GRU<float>>(kH, GRUCellOptions{}, RNNOptions{.return_sequences = true});
    else
      layer = std::make_shared<LSTM<float>>(kH, LSTMCellOptions{}, RNNOptions{.return_sequences = true});
    m->add(std::make_shared<Bidirectional<float>>(layer));
  }
  m->build(Shape{1, kT, kI});
  return m;
}

// Random values in every weight (the initial biases are zeros or ones, which would hide a
// misplaced bias).
void randomize(Layer<float>& layer, std::uint64_t seed) {
  Generator g(seed);
  for (auto w : layer.weights()) {
    Tensor<float> v = Tensor<float>::empty(w.shape());
    for (std::size_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(g.normal(0.0, 0.5));
    w.assign(v);
  }
}

double max_abs_diff(const Tensor<float>& a, const Tensor<float>& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double m = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return m;
}

// Rows k of a (L, B, H) array.
Tensor<float> row(const Tensor<float>& t, std::size_t k) {
  const std::size_t n = t.size() / t.dim(0);
  return Tensor<float>(Shape{t.dim(1), t.dim(2)}, t.data() + k * n);
}

// Removes a test's temporary folder when the test ends.
struct RemoveDir {
  std::string dir;
  ~RemoveDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

bool same_bits(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Acceptance 1 (torch runs, loom runs the exported weights) and 2/3 (the round trip), for one mode.
void check_against_torch(const std::string& mode) {
  const std::string dir = temp_dir("torch_" + mode);
  const RemoveDir cleanup{dir};
  // The weights that go round through torch, written before the driver starts.
  auto original = bi_model(mode);
  randomize(*original, mode == "gru" ? 11 : 12);
  const std::string prefix = mode == "lstm" ? "rnn." : "";  // the driver nests the LSTM as `rnn`
  original->save_weights(dir + "/" + mode + "_loom.npz", {.format = WeightsFormat::torch, .torch_prefix = prefix});

  const std::string err = run_driver(mode, dir);
  if (err.rfind("skip: ", 0) == 0) GTEST_SKIP() << err.substr(6);
  ASSERT_EQ(err, "");

  // 1. torch's model, exported by tools/torch_export.py, in loom.
  auto model = bi_model(mode);
  model->load_weights(dir + "/" + mode + "_torch.npz", {.format = WeightsFormat::torch});
  const auto ref = io::load_npz<float>(dir + "/" + mode + "_ref.npz");
  const Tensor<float>& x = ref.at("x");
  auto b0 = std::dynamic_pointer_cast<Bidirectional<float>>(model->layers().at(0));
  auto b1 = std::dynamic_pointer_cast<Bidirectional<float>>(model->layers().at(1));
  ASSERT_TRUE(b0 && b1);
  const auto r0 = b0->call_full(x);
  const auto r1 = b1->call_full(r0.output);
  const double out_diff = max_abs_diff(r1.output, ref.at("output"));
  EXPECT_LT(out_diff, 1e-5) << "outputs (batch, time, 2*hidden)";
  EXPECT_LT(max_abs_diff(model->predict(x), ref.at("output")), 1e-5) << "Sequential::predict";
  // torch's h_n (and c_n) rows: l0, l0_reverse, l1, l1_reverse.
  const std::vector<const BidirectionalResult<float>*> rs{&r0, &r1};
  double state_diff = 0;
  for (std::size_t s = 0; s < (mode == "lstm" ? 2u : 1u); ++s) {
    const Tensor<float>& n = ref.at(s == 0 ? "h_n" : "c_n");
    ASSERT_EQ(n.shape(), (Shape{4, kB, kH}));
    for (std::size_t k = 0; k < 2; ++k) {
      state_diff = std::max(state_diff, max_abs_diff(rs[k]->forward_states.at(s), row(n, 2 * k)));
      state_diff = std::max(state_diff, max_abs_diff(rs[k]->backward_states.at(s), row(n, 2 * k + 1)));
    }
  }
  EXPECT_LT(state_diff, 1e-5) << "final states";
  std::printf("[ torch ] %s: max |loom - torch| outputs %.3g, final states %.3g (tolerance 1e-5)\n", mode.c_str(),
              out_diff, state_diff);
  // The outputs are not trivially equal: a model with other weights is far off.
  EXPECT_GT(max_abs_diff(bi_model(mode)->predict(x), ref.at("output")), 0.05);

  // 2/3. loom -> npz -> torch -> npz -> loom: the same bits.
  auto back = bi_model(mode);
  back->load_weights(dir + "/" + mode + "_rt.npz", {.format = WeightsFormat::torch});
  const auto want = original->weights(), got = back->weights();
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(same_bits(got[i].value(), want[i].value())) << want[i].name();
  // And the round-tripped file is what loom itself writes in torch format.
  const auto rt = io::load_npz<float>(dir + "/" + mode + "_rt.npz");
  const auto own = torch_named_weights(*original);
  ASSERT_EQ(rt.size(), own.size());
  for (const auto& [k, v] : own) EXPECT_TRUE(rt.count(k) && same_bits(rt.at(k), v)) << k;
}

TEST(TorchInterop, GruMatchesTorchAndRoundTripsBitExact) { check_against_torch("gru"); }

TEST(TorchInterop, LstmMatchesTorchAndRoundTripsBitExact) { check_against_torch("lstm"); }

// A torch-format file holds the torch keys and Keras-named others; the keras format reads it not.
TEST(TorchInterop, TorchFormatFilesWithoutPython) {
  const std::string dir = temp_dir("torch_fmt");
  const RemoveDir cleanup{dir};
  auto m = std::make_shared<Sequential<float>>();
  m->add(std::make_shared<GRU<float>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  m->add(std::make_shared<GRU<float>>(3));
  m->add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "tf_dense"}));
  m->build(Shape{1, 4, 2});
  randomize(*m, 3);
  save_weights(*m, dir + "/t.npz", WeightsFileOptions{.format = WeightsFormat::torch});
  const auto arrays = io::load_npz<float>(dir + "/t.npz");
  std::vector<std::string> names;
  for (const auto& [k, v] : arrays) names.push_back(k);
  // The cells' own names (gru_cell_<n>) differ between models; torch's keys do not.
  EXPECT_EQ(names, (std::vector<std::string>{"bias_hh_l0", "bias_hh_l1", "bias_ih_l0", "bias_ih_l1", "tf_dense/bias",
                                             "tf_dense/kernel", "weight_hh_l0", "weight_hh_l1", "weight_ih_l0",
                                             "weight_ih_l1"}));
  EXPECT_EQ(arrays.at("weight_ih_l1").shape(), (Shape{9, 3}));
  auto other = std::make_shared<Sequential<float>>();
  other->add(std::make_shared<GRU<float>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  other->add(std::make_shared<GRU<float>>(3));
  other->add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "tf_dense"}));
  other->build(Shape{1, 4, 2});
  EXPECT_TRUE(throws_with<IOError>([&] { other->load_weights(dir + "/t.npz"); }, {"t.npz"}));
  other->load_weights(dir + "/t.npz", {.format = WeightsFormat::torch});
  const auto ws = m->weights(), ow = other->weights();
  for (std::size_t i = 0; i < ws.size(); ++i) EXPECT_TRUE(same_bits(ws[i].value(), ow[i].value())) << ws[i].name();
  // A file of another shape changes nothing and names the key.
  auto small = std::make_shared<Sequential<float>>();
  small->add(std::make_shared<GRU<float>>(3, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  small->add(std::make_shared<GRU<float>>(3));
  small->add(std::make_shared<Dense<float>>(2, DenseOptions{.name = "tf_dense"}));
  small->build(Shape{1, 4, 5});
  const auto small_before = small->get_weights();
  EXPECT_TRUE(throws_with<ShapeError>([&] { small->load_weights(dir + "/t.npz", {.format = WeightsFormat::torch}); },
                                      {"'weight_ih_l0'", "expected shape (9, 5)", "received (9, 2)"}));
  const auto small_after = small->get_weights();
  for (std::size_t i = 0; i < small_before.size(); ++i) EXPECT_TRUE(small_before[i] == small_after[i]);
  // reset_after=False cannot be written in torch format.
  auto old = std::make_shared<Sequential<float>>();
  old->add(std::make_shared<GRU<float>>(3, GRUCellOptions{.reset_after = false}));
  old->build(Shape{1, 4, 2});
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { old->save_weights(dir + "/old.npz", {.format = WeightsFormat::torch}); }, {"no PyTorch counterpart"}));
}

// ---- Acceptance 4: the Keras names and shapes loom writes are the list in docs/interop.md.

struct DocRow {
  std::string layer, key, shape;
};

std::vector<DocRow> doc_rows() {
  const std::string doc = slurp(std::string(LOOM_SOURCE_DIR) + "/docs/interop.md");
  const auto b = doc.find("<!-- keras-weight-names:begin -->"), e = doc.find("<!-- keras-weight-names:end -->");
  EXPECT_NE(b, std::string::npos);
  EXPECT_NE(e, std::string::npos);
  std::vector<DocRow> rows;
  if (b == std::string::npos || e == std::string::npos) return rows;
  std::istringstream in(doc.substr(b, e - b));
  const std::regex re(R"(^\|\s*([^|]*?)\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*$)");
  std::string line, layer;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, re)) {
      if (!m[1].str().empty()) layer = m[1].str();
      rows.push_back({layer, m[2].str(), m[3].str()});
    }
  return rows;
}

// "(I, 3U)" with the given dimensions -> Shape.
Shape eval_shape(const std::string& s, const std::map<char, std::size_t>& dims) {
  Shape out;
  const std::regex tok(R"((\d*)([A-Z]?))");
  std::string inner = s.substr(1, s.size() - 2);
  std::stringstream ss(inner);
  std::string part;
  while (std::getline(ss, part, ',')) {
    part.erase(std::remove(part.begin(), part.end(), ' '), part.end());
    if (part.empty()) continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(part, m, tok)) << s;
    std::size_t v = m[1].str().empty() ? 1 : std::stoul(m[1].str());
    if (!m[2].str().empty()) v *= dims.at(m[2].str()[0]);
    out.push_back(v);
  }
  return out;
}

TEST(TorchInterop, KerasNamesAreTheDocumentedList) {
  const std::string dir = temp_dir("keras_names");
  const RemoveDir cleanup{dir};
  auto emb = std::make_shared<Embedding<float>>(7, 5);
  auto bi = std::make_shared<Bidirectional<float>>(
      std::make_shared<GRU<float>>(4, GRUCellOptions{}, RNNOptions{.return_sequences = true}));
  auto lstm = std::make_shared<LSTM<float>>(3, LSTMCellOptions{}, RNNOptions{.return_sequences = true});
  auto srnn = std::make_shared<SimpleRNN<float>>(2, SimpleRNNCellOptions{}, RNNOptions{.return_sequences = true});
  auto gru_old = std::make_shared<GRU<float>>(3, GRUCellOptions{.reset_after = false}, RNNOptions{.return_sequences = true});
  auto gru = std::make_shared<GRU<float>>(2);
  auto dense = std::make_shared<Dense<float>>(6);
  Sequential<float> model("keras_names_model");
  for (std::shared_ptr<Layer<float>> l : std::vector<std::shared_ptr<Layer<float>>>{emb, bi, lstm, srnn, gru_old, gru, dense})
    model.add(l);
  model.build(Shape{2, 4});
  model.save_weights(dir + "/w.npz");
  const auto file = io::load_npz<float>(dir + "/w.npz");

  // Per documented layer: the owner names that replace <...> and the dimensions.
  struct Case {
    std::map<std::string, std::string> owners;
    std::map<char, std::size_t> dims;
  };
  const std::map<std::string, Case> cases{
      // Owners are paths (layers/weight_paths.hpp): class names with a counter per container.
      {"Dense", {{{"<dense>", "sequential/dense"}}, {{'I', 2}, {'U', 6}}}},
      {"Embedding", {{{"<embedding>", "sequential/embedding"}}, {{'V', 7}, {'D', 5}}}},
      {"SimpleRNN", {{{"<cell>", "sequential/simple_rnn/simple_rnn_cell"}}, {{'I', 3}, {'U', 2}}}},
      {"LSTM", {{{"<cell>", "sequential/lstm/lstm_cell"}}, {{'I', 8}, {'U', 3}}}},
      {"GRU reset_after=True", {{{"<cell>", "sequential/gru_1/gru_cell"}}, {{'I', 3}, {'U', 2}}}},
      {"GRU reset_after=False", {{{"<cell>", "sequential/gru/gru_cell"}}, {{'I', 2}, {'U', 3}}}},
      {"Bidirectional GRU",
       {{{"<forward cell>", "sequential/bidirectional/gru/gru_cell"},
         {"<backward cell>", "sequential/bidirectional/gru_1/gru_cell"}},
        {{'I', 5}, {'U', 4}}}},
  };
  const auto rows = doc_rows();
  ASSERT_EQ(rows.size(), 21u) << "rows of the documented list";
  std::map<std::string, int> seen;
  std::size_t checked = 0;
  for (const auto& r : rows) {
    SCOPED_TRACE(r.layer + " " + r.key + " " + r.shape);
    auto c = cases.find(r.layer);
    ASSERT_NE(c, cases.end()) << "a documented layer the test does not build";
    ++seen[r.layer];
    std::string key = r.key;
    const auto lt = key.find('<'), gt = key.find('>');
    ASSERT_TRUE(lt == 0 && gt != std::string::npos);
    key = c->second.owners.at(key.substr(0, gt + 1)) + key.substr(gt + 1);
    ASSERT_TRUE(file.count(key)) << "documented key '" << key << "' not in the file loom wrote";
    EXPECT_EQ(file.at(key).shape(), eval_shape(r.shape, c->second.dims));
    // The part after the owner is a Keras weight name.
    const std::string weight = key.substr(key.rfind('/') + 1);
    EXPECT_TRUE(weight == "kernel" || weight == "recurrent_kernel" || weight == "bias" || weight == "embeddings");
    ++checked;
  }
  EXPECT_EQ(seen.size(), cases.size()) << "every layer kind is documented";
  EXPECT_EQ(checked, file.size()) << "every key of the file is documented";
}

}  // namespace
}  // namespace loom
