// Bad model files: truncated at every 1/16 of the length, bytes of config.json changed (in the
// archive, and in a rewritten archive whose CRCs are right), valid JSON with wrong fields, missing
// entries. Each throws IOError naming the entry and what was wrong, and leaves the default
// generator as it was; nothing else is ever thrown.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "core/config.hpp"
#include "saving_util.hpp"
#include "train/io/zip.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

struct Archive {
  std::string dir, path, bytes;
  std::vector<io::zip::Entry> entries;
};

Archive saved_archive(const std::string& tag) {
  Archive a;
  a.dir = temp_dir(tag);
  a.path = a.dir + "/m.loom";
  set_seed(8);
  auto m = every_layer_model();
  m->compile(std::make_shared<optimizers::Adam<float>>(), "mse", {"mae"});
  m->fit(ids(8), targets(8), {.epochs = 1, .batch_size = 4, .verbose = 0});
  m->save(a.path);
  a.bytes = io::read_file(a.path);
  a.entries = io::zip::read(a.bytes, a.path);
  return a;
}

// Loading `bytes` throws IOError whose message holds every word, and the generator is untouched.
::testing::AssertionResult refused(const Archive& a, const std::string& bytes,
                                   std::initializer_list<std::string> words) {
  const std::string p = a.dir + "/bad.loom";
  io::write_file_atomic(p, bytes);
  const std::string rng = default_generator().state();
  auto r = throws_with<IOError>([&] { load_model(p); }, words);
  if (r && default_generator().state() != rng) return ::testing::AssertionFailure() << "the generator moved";
  return r;
}

std::string with_entry(const Archive& a, const std::string& name, const std::function<void(std::string&)>& edit) {
  auto entries = a.entries;
  for (auto& e : entries)
    if (e.name == name) edit(e.data);
  return io::zip::write(entries, true);
}

std::string with_config(const Archive& a, const std::function<void(Config&)>& edit) {
  return with_entry(a, "config.json", [&](std::string& text) {
    Config c = Config::parse(text);
    edit(c);
    text = c.dump();
  });
}

}  // namespace

TEST(BadArchives, TruncatedAtEverySixteenth) {
  const Archive a = saved_archive("ba_trunc");
  ASSERT_NO_THROW(load_model(a.path));
  for (std::size_t k = 0; k < 16; ++k) {
    const std::size_t cut = a.bytes.size() * k / 16;
    EXPECT_TRUE(refused(a, a.bytes.substr(0, cut), {"bad.loom"})) << "cut at " << cut << " of " << a.bytes.size();
  }
  std::filesystem::remove_all(a.dir);
}

TEST(BadArchives, ChangedBytesOfConfigJson) {
  const Archive a = saved_archive("ba_flip");
  // In the archive as written: the CRC of the entry catches every change.
  const std::string config = a.entries.at(0).data;
  ASSERT_EQ(a.entries.at(0).name, "config.json");
  std::size_t changed = 0;
  for (std::size_t k = 1; k <= 8; ++k) {
    std::string bytes = a.bytes;
    // The first entry's data starts after its 30-byte local header and its name.
    const std::size_t begin = 30 + std::string("config.json").size();
    const std::size_t pos = begin + k * 37 % 200;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x5a);
    EXPECT_TRUE(refused(a, bytes, {"bad.loom"})) << "byte " << pos;
    ++changed;
  }
  // Rewritten with the right CRCs: the JSON itself is broken at structural characters.
  std::vector<std::size_t> structural;
  for (std::size_t i = 0; i < config.size(); ++i)
    if (config[i] == '"' || config[i] == ':' || config[i] == ',' || config[i] == '{' || config[i] == '[')
      structural.push_back(i);
  ASSERT_GT(structural.size(), 100u);
  for (std::size_t k = 0; k < 12; ++k) {
    const std::size_t pos = structural[k * structural.size() / 12];
    const std::string bytes = with_entry(a, "config.json", [&](std::string& t) { t[pos] = '#'; });
    EXPECT_TRUE(refused(a, bytes, {"bad.loom", "config.json"})) << "offset " << pos;
    ++changed;
  }
  EXPECT_EQ(changed, 20u);
  std::filesystem::remove_all(a.dir);
}

TEST(BadArchives, ValidJsonWithWrongFields) {
  const Archive a = saved_archive("ba_fields");
  auto layer = [](Config& c, std::size_t i) -> Config& { return c["config"]["layers"][i]["config"]; };
  // A field of the wrong type.
  EXPECT_TRUE(refused(a, with_config(a, [&](Config& c) { layer(c, 4)["units"] = "two"; }), {"config.json", "units"}));
  // A class nobody registered.
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) { c["config"]["layers"][2]["class_name"] = "NoSuchLayer"; }),
                      {"config.json", "NoSuchLayer"}));
  // Another size: the model builds, the weights do not fit.
  EXPECT_TRUE(refused(a, with_config(a, [&](Config& c) { layer(c, 2)["units"] = 4; }), {"model.weights.npz"}));
  // Not a model.
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) { c = c["config"]["layers"][4]; }), {"config.json", "model"}));
  // A field loom does not know.
  EXPECT_TRUE(refused(a, with_config(a, [&](Config& c) { layer(c, 4)["bogus"] = 1; }), {"config.json", "bogus"}));
  // The compile config: an unknown loss, a bad optimizer field.
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) { c["compile_config"]["loss"] = "nope"; }),
                      {"config.json", "nope"}));
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) {
                        c["compile_config"]["optimizer"]["config"]["beta_1"] = "high";
                      }),
                      {"config.json", "beta_1"}));
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) { c["build_config"]["input_shape"] = "big"; }),
                      {"config.json", "input_shape"}));
  // JSON that is not an object at all.
  EXPECT_TRUE(refused(a, with_entry(a, "config.json", [](std::string& t) { t = "[1, 2]"; }), {"config.json"}));
  EXPECT_TRUE(refused(a, with_entry(a, "metadata.json", [](std::string& t) { t = "{}"; }),
                      {"metadata.json", "loom_version"}));
  // The training state of another optimizer.
  EXPECT_TRUE(refused(a, with_config(a, [](Config& c) {
                        c["compile_config"]["optimizer"] = serialize(optimizers::SGD<float>());
                      }),
                      {"training_state.npz", "optimizer"}));
  std::filesystem::remove_all(a.dir);
}

TEST(BadArchives, MissingEntries) {
  const Archive a = saved_archive("ba_missing");
  for (const std::string name : {"config.json", "metadata.json", "model.weights.npz", "training_state.npz"}) {
    std::vector<io::zip::Entry> kept;
    for (const auto& e : a.entries)
      if (e.name != name) kept.push_back(e);
    EXPECT_TRUE(refused(a, io::zip::write(kept, true), {"bad.loom", name})) << name;
  }
  EXPECT_TRUE(refused(a, "", {"bad.loom"}));
  EXPECT_TRUE(throws_with<IOError>([&] { load_model(a.dir + "/none.loom"); }, {"none.loom"}));
  std::filesystem::remove_all(a.dir);
}

// load_weights of a model file into a model that exists: the good archive loads into a second
// instance (other weights) and predicts as the saved model does; every truncated or byte-changed
// archive is refused with IOError and leaves that model's weights as they were, bit for bit.
TEST(BadArchives, LoadWeightsIntoAModelLeavesItUnchangedOnError) {
  const Archive a = saved_archive("ba_into");
  set_seed(99);
  auto target = every_layer_model();
  target->compile(std::make_shared<optimizers::Adam<float>>(), "mse", {"mae"});
  target->predict(ids(2));  // builds it, with weights unlike the saved ones
  const auto before = target->get_weights();
  const std::string p = a.dir + "/bad.loom";
  auto unchanged = [&] {
    const auto now = target->get_weights();
    if (now.size() != before.size()) return false;
    for (std::size_t i = 0; i < now.size(); ++i)
      if (!(now[i] == before[i])) return false;
    return true;
  };
  std::size_t refusals = 0;
  for (std::size_t k = 0; k < 16; ++k) {
    io::write_file_atomic(p, a.bytes.substr(0, a.bytes.size() * k / 16));
    EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(p); }, {"bad.loom"})) << "cut " << k;
    EXPECT_TRUE(unchanged()) << "cut " << k;
    ++refusals;
  }
  // Bytes of config.json and of the weights entry changed in place: the CRCs catch them.
  for (const std::size_t pos : {std::size_t(45), std::size_t(120), a.bytes.size() / 2, a.bytes.size() * 3 / 4}) {
    std::string bytes = a.bytes;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x5a);
    io::write_file_atomic(p, bytes);
    EXPECT_TRUE(throws_with<IOError>([&] { target->load_weights(p); }, {"bad.loom"})) << "byte " << pos;
    EXPECT_TRUE(unchanged()) << "byte " << pos;
    ++refusals;
  }
  EXPECT_EQ(refusals, 20u);
  // The sound archive does load, and the second instance then predicts as the saved model.
  target->load_weights(a.path);
  EXPECT_FALSE(unchanged());
  const auto saved = load_model(a.path);
  const auto x = ids(7);
  const auto p1 = target->predict(x), p2 = saved->predict(x);
  ASSERT_EQ(p1.shape(), p2.shape());
  EXPECT_EQ(std::memcmp(p1.data(), p2.data(), p1.size() * sizeof(float)), 0);
  std::filesystem::remove_all(a.dir);
}
