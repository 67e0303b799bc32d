// save_tfjs / load_tfjs without node: the files' layout, multi-shard manifests, and the refusals
// (an option one side lacks, an unknown class or field, a short or missing shard), each a typed
// error naming what was wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "loom.hpp"
#include "saving/tfjs_peer.hpp"

namespace loom {
namespace {

namespace fs = std::filesystem;

Config read_json(const std::string& path) { return Config::parse(test::slurp_file(path)); }
void write_json(const std::string& path, const Config& j) { std::ofstream(path) << j.dump(); }

template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong type: ") + e.what();
  }
  return "no throw";
}

std::shared_ptr<Sequential<float>> built(std::function<void(Sequential<float>&)> add, const Shape& input) {
  auto m = std::make_shared<Sequential<float>>();
  add(*m);
  m->build(input);
  return m;
}

TEST(TfjsFormat, WritesModelJsonAndShardAsTfIoDoes) {
  const std::string dir = test::fresh_dir("format_layout");
  auto m = built([](auto& s) { s.add(Dense(3, {.activation = "tanh", .name = "d"})); }, Shape{1, 4});
  save_tfjs(*m, dir);
  const Config j = read_json(dir + "/model.json");
  EXPECT_EQ(j["format"], "layers-model");
  EXPECT_EQ(j["modelTopology"]["keras_version"], "tfjs-layers 4.22.0");
  EXPECT_EQ(j["modelTopology"]["backend"], "tensor_flow.js");
  const Config& layer = j["modelTopology"]["config"]["layers"][0];
  EXPECT_EQ(layer["class_name"], "Dense");
  EXPECT_EQ(layer["config"]["batch_input_shape"], Config::parse("[null, 4]"));
  EXPECT_EQ(layer["config"]["kernel_initializer"]["class_name"], "GlorotUniform");
  EXPECT_FALSE(layer["config"]["kernel_initializer"].contains("module"));
  EXPECT_EQ(j["weightsManifest"], Config::parse(R"([{"paths": ["group1-shard1of1.bin"], "weights": [
      {"name": "d/kernel", "shape": [4, 3], "dtype": "float32"},
      {"name": "d/bias", "shape": [3], "dtype": "float32"}]}])"));
  EXPECT_EQ(fs::file_size(dir + "/group1-shard1of1.bin"), (12 + 3) * sizeof(float));
  auto back = load_tfjs<float>(dir);
  const Tensor<float> x({{0.1f, -0.2f, 0.3f, 0.9f}});
  const auto a = m->predict(x), b = back->predict(x);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.data()[i], b.data()[i]);
}

TEST(TfjsFormat, SplitsAndReadsShardsOfSeveralFilesAndGroups) {
  const std::string dir = test::fresh_dir("format_shards");
  // 1100 x 1000 float32 is more than the 4 MiB of one shard.
  auto m = built([](auto& s) { s.add(Dense(1000)); s.add(Dense(2)); }, Shape{1, 1100});
  save_tfjs(*m, dir);
  Config j = read_json(dir + "/model.json");
  EXPECT_EQ(j["weightsManifest"][0]["paths"], Config::parse(R"(["group1-shard1of2.bin", "group1-shard2of2.bin"])"));
  auto back = load_tfjs<double>(dir);
  Generator gen(3);
  const auto x = random::normal<float>({2, 1100}, 0.0, 1.0, gen);
  auto one = load_tfjs<float>(dir);
  const auto a = m->predict(x), b = one->predict(x);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.data()[i], b.data()[i]);
  EXPECT_EQ(back->layers().size(), 2u);

  // The same bytes as two groups, the second in three files, as the TF.js converter may write them.
  std::string all = test::slurp_file(dir + "/group1-shard1of2.bin") + test::slurp_file(dir + "/group1-shard2of2.bin");
  const std::size_t first = 1100 * 1000 * 4 + 1000 * 4;
  std::ofstream(dir + "/a.bin", std::ios::binary) << all.substr(0, first);
  std::ofstream(dir + "/b1.bin", std::ios::binary) << all.substr(first, 5);
  std::ofstream(dir + "/b2.bin", std::ios::binary) << all.substr(first + 5, 3);
  std::ofstream(dir + "/b3.bin", std::ios::binary) << all.substr(first + 8);
  const Config w = j["weightsManifest"][0]["weights"];
  j["weightsManifest"] = Config::array(
      {Config{{"paths", {"a.bin"}}, {"weights", Config::array({w[0], w[1]})}},
       Config{{"paths", {"b1.bin", "./b2.bin", "b3.bin"}}, {"weights", Config::array({w[2], w[3]})}}});
  write_json(dir + "/model.json", j);
  fs::remove(dir + "/group1-shard1of2.bin");
  fs::remove(dir + "/group1-shard2of2.bin");
  auto split = load_tfjs<float>(dir);
  const auto c = split->predict(x);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.data()[i], c.data()[i]);
}

TEST(TfjsFormat, GruResetAfterTrueIsRefusedNamingTheLayerAndOption) {
  const std::string dir = test::fresh_dir("refuse_reset_after");
  auto m = built([](auto& s) { s.add(GRU(3, {}, {.name = "my_gru"})); }, Shape{1, 4, 2});
  const auto msg = message_of<NotImplementedError>([&] { save_tfjs(*m, dir); });
  EXPECT_NE(msg.find("'my_gru'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reset_after"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir + "/model.json"));
}

TEST(TfjsFormat, OptionsWithoutTfjsCounterpartAreRefused) {
  struct Case {
    std::string option;
    std::function<void(Sequential<float>&)> add;
    Shape input;
  };
  const std::vector<Case> cases = {
      {"seed", [](auto& s) { s.add(LSTM(2, {.dropout = 0.1, .seed = 7})); }, Shape{1, 3, 2}},
      {"activation", [](auto& s) { s.add(Dense(2, {.activation = "exponential"})); }, Shape{1, 3}},
      {"time_major", [](auto& s) { s.add(SimpleRNN(2, {}, {.time_major = true})); }, Shape{3, 1, 2}},
      {"stateful", [](auto& s) { s.add(SimpleRNN(2, {}, {.stateful = true})); }, Shape{1, 3, 2}},
      {"distribution",
       [](auto& s) { s.add(Dense(2, {.kernel_initializer = VarianceScaling(1.0, "fan_in", "untruncated_normal")})); },
       Shape{1, 3}},
      {"zero_output_for_mask",
       [](auto& s) {
         s.add(Masking(0.0));
         s.add(Bidirectional(LSTM(2, {}, {.return_sequences = true})));
       },
       Shape{1, 3, 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.option);
    auto m = built(c.add, c.input);
    const auto msg = message_of<NotImplementedError>([&] { save_tfjs(*m, test::fresh_dir("refuse_option")); });
    EXPECT_NE(msg.find(c.option), std::string::npos) << msg;
    EXPECT_NE(msg.find(m->layers().back()->name()), std::string::npos) << msg;
  }
}

// A folder as TF.js would write it, edited: loom's own output is the same format.
std::string tfjs_dir(const std::string& name) {
  const std::string dir = test::fresh_dir(name);
  auto m = built([](auto& s) {
    s.add(Embedding(5, 3, {.mask_zero = true, .name = "embedding_Embedding1"}));
    s.add(LSTM(2, {.recurrent_activation = "hard_sigmoid"}, {.name = "lstm_LSTM1"}));
    s.add(Dense(2, {.name = "dense_Dense1"}));
  }, Shape{1, 4});
  save_tfjs(*m, dir);
  return dir;
}

TEST(TfjsFormat, UnknownClassOrFieldInModelJsonIsRefusedNamingIt) {
  const std::string dir = tfjs_dir("refuse_unknown");
  const Config good = read_json(dir + "/model.json");
  ASSERT_NO_THROW(load_tfjs<float>(dir));
  struct Case {
    std::string what, expect;
    std::function<void(Config&)> edit;
  };
  const std::vector<Case> cases = {
      {"class", "Conv1D", [](Config& l) { l[2]["class_name"] = "Conv1D"; }},
      {"field", "'foo'", [](Config& l) { l[2]["config"]["foo"] = 1; }},
      {"activation", "relu6", [](Config& l) { l[2]["config"]["activation"] = "relu6"; }},
      {"reset_after", "reset_after", [](Config& l) {
         l[1]["class_name"] = "GRU";
         l[1]["config"].erase("unit_forget_bias");
         l[1]["config"]["reset_after"] = true;
       }},
      {"regularizer", "activity_regularizer", [](Config& l) {
         l[2]["config"]["activity_regularizer"] = Config{{"class_name", "L1L2"}, {"config", {{"l1", 0.1}}}};
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Config j = good;
    c.edit(j["modelTopology"]["config"]["layers"]);
    write_json(dir + "/model.json", j);
    const auto msg = message_of<NotImplementedError>([&] { load_tfjs<float>(dir); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
    if (c.what != "class")
      EXPECT_TRUE(msg.find("'dense_Dense1'") != std::string::npos || msg.find("'lstm_LSTM1'") != std::string::npos)
          << msg;
  }
}

TEST(TfjsFormat, TruncatedOrMissingShardIsAnIOErrorNamingTheFile) {
  const std::string dir = tfjs_dir("refuse_shard");
  const std::string shard = dir + "/group1-shard1of1.bin";
  const std::string bytes = test::slurp_file(shard);
  for (std::size_t keep : {std::size_t(0), bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    std::ofstream(shard, std::ios::binary | std::ios::trunc) << bytes.substr(0, keep);
    const auto msg = message_of<IOError>([&] { load_tfjs<float>(dir); });
    EXPECT_NE(msg.find("group1-shard1of1.bin"), std::string::npos) << msg;
  }
  std::ofstream(shard, std::ios::binary | std::ios::trunc) << bytes << "xx";
  EXPECT_NE(message_of<IOError>([&] { load_tfjs<float>(dir); }).find("group1-shard1of1.bin"), std::string::npos);
  fs::remove(shard);
  EXPECT_NE(message_of<IOError>([&] { load_tfjs<float>(dir); }).find("group1-shard1of1.bin"), std::string::npos);
}

TEST(TfjsFormat, WeightMissingFromManifestOrPathOutsideFolderIsRefused) {
  const std::string dir = tfjs_dir("refuse_manifest");
  Config j = read_json(dir + "/model.json");
  Config renamed = j;
  renamed["weightsManifest"][0]["weights"][0]["name"] = "embedding_Embedding1/other";
  write_json(dir + "/model.json", renamed);
  EXPECT_NE(message_of<IOError>([&] { load_tfjs<float>(dir); }).find("embedding_Embedding1/embeddings"),
            std::string::npos);
  Config outside = j;
  outside["weightsManifest"][0]["paths"][0] = "../x.bin";
  write_json(dir + "/model.json", outside);
  EXPECT_NE(message_of<IOError>([&] { load_tfjs<float>(dir); }).find("../x.bin"), std::string::npos);
}

}  // namespace
}  // namespace loom
