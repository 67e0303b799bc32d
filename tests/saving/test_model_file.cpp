// model.save / load_model (saving/model_file.hpp): the rebuilt model predicts bit-identically, fit
// after load_model goes on bit for bit, user classes round-trip through their registration.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/config.hpp"
#include "saving_util.hpp"
#include "train/io/zip.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

// A user layer with a weight and a config field of its own.
class Scale : public Layer<float> {
 public:
  explicit Scale(double init, std::string name = "") : Layer<float>(name.empty() ? unique_layer_name("scale") : name), init_(init) {}
  void build(const Shape& s) override {
    gamma_ = add_weight("gamma", Shape{s.dim(-1)}, std::make_shared<Constant>(init_));
    Layer<float>::build(s);
  }
  Tensor<float> call(const Tensor<float>& x, const CallContext<float>&) override { return x * gamma_.value(); }
  Config get_config() const override {
    Config c = Layer<float>::get_config();
    c["init"] = init_;
    return c;
  }
  static std::shared_ptr<Scale> from_config(const Config& c) {
    config::Reader r(c, "Scale");
    const auto base = config::read_layer_base<float>(r);
    const double init = r.number("init", 1.0);
    r.finish();
    return config::finish_layer(std::make_shared<Scale>(init, base.name), base);
  }

 private:
  double init_;
  Variable<float> gamma_;
};

// A user Model subclass, registered with its config.
class Regressor : public Model<float> {
 public:
  explicit Regressor(std::size_t units, std::string name = "") : Model<float>(name), units_(units) {
    hidden_ = track(std::make_shared<Dense<float>>(units, DenseOptions{.activation = "tanh"}));
    scale_ = track(std::make_shared<Scale>(0.5));
    out_ = track(std::make_shared<Dense<float>>(1));
  }
  Tensor<float> call(const Tensor<float>& x, bool training) override {
    return (*out_)((*scale_)((*hidden_)(x, training), training), training);
  }
  Config get_config() const override {
    Config c = Layer<float>::get_config();
    c["units"] = units_;
    return c;
  }
  static std::shared_ptr<Regressor> from_config(const Config& c) {
    config::Reader r(c, "Regressor");
    const auto base = config::read_layer_base<float>(r);
    const auto units = static_cast<std::size_t>(r.integer("units", 1));
    r.finish();
    return config::finish_layer(std::make_shared<Regressor>(units, base.name), base);
  }

 private:
  std::size_t units_;
  std::shared_ptr<Dense<float>> hidden_, out_;
  std::shared_ptr<Scale> scale_;
};

class Unregistered : public Layer<float> {
 public:
  Tensor<float> call(const Tensor<float>& x, const CallContext<float>&) override { return x; }
};

void register_once() {
  static bool done = [] {
    register_layer<Scale>("Scale");
    register_layer<Regressor>("Regressor");
    return true;
  }();
  (void)done;
}

}  // namespace

TEST(ModelFile, SaveLoadPredictIsBitIdentical) {
  const std::string dir = temp_dir("mf_predict");
  set_seed(3);
  auto m = every_layer_model();
  const Tensor<float> x = ids(9);
  const Tensor<float> p = m->predict(x);
  m->save(dir + "/m.loom");
  Dense<float> unrelated(3);  // other counters, other names: nothing depends on them
  auto loaded = load_model(dir + "/m.loom");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->compiled());
  EXPECT_TRUE(bit_equal(loaded->predict(x), p));
  EXPECT_TRUE(same_weights(*loaded, snapshot(*m)));
  EXPECT_EQ(typeid(*loaded), typeid(Sequential<float>));
  EXPECT_EQ(loaded->layers().size(), 5u);

  // The archive holds the entries documented, readable as plain files.
  std::vector<std::string> names;
  std::string config, metadata;
  for (const auto& e : io::zip::read(io::read_file(dir + "/m.loom"), "m.loom")) {
    names.push_back(e.name);
    if (e.name == "config.json") config = e.data;
    if (e.name == "metadata.json") metadata = e.data;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"config.json", "metadata.json", "model.weights.npz"}));
  const Config c = Config::parse(config);
  EXPECT_EQ(c.at("class_name"), "Sequential");
  EXPECT_EQ(c.at("build_config").at("input_shape"), Config::parse("[null, 6]"));
  EXPECT_FALSE(c.contains("compile_config"));
  const Config md = Config::parse(metadata);
  EXPECT_EQ(md.at("loom_version"), "0.1.0");
  EXPECT_EQ(md.at("date_saved").get<std::string>().size(), 19u);
  // double models load with load_model<double>.
  Sequential<double> dm;
  dm.add(std::make_shared<SimpleRNN<double>>(3));
  dm.add(std::make_shared<Dense<double>>(1));
  dm.build(Shape{1, 4, 2});
  dm.save(dir + "/d.loom");
  const auto xd = Tensor<double>::full(Shape{2, 4, 2}, 0.25);
  const auto pd = dm.predict(xd), qd = load_model<double>(dir + "/d.loom")->predict(xd);
  EXPECT_EQ(std::memcmp(pd.data(), qd.data(), pd.size() * sizeof(double)), 0);
  // save_model is the same as the member.
  save_model(*m, dir + "/free.loom");
  EXPECT_TRUE(bit_equal(load_model(dir + "/free.loom")->predict(x), p));
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, FitAfterLoadModelContinuesBitForBit) {
  const std::string dir = temp_dir("mf_fit");
  const Tensor<float> x = ids(24), y = targets(24);
  auto compile = [](Model<float>& m) {
    m.compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse",
              {"mae"});
  };
  const FitOptions<float> o{.epochs = 5, .batch_size = 8, .seed = 4, .validation_split = 0.25, .verbose = 0};
  set_seed(21);
  auto straight = every_layer_model();
  compile(*straight);
  set_seed(22);
  const History hs = straight->fit(x, y, o);
  const auto expected = snapshot(*straight);

  {
    set_seed(21);
    auto first = every_layer_model();
    compile(*first);
    set_seed(22);
    auto o2 = o;
    o2.epochs = 2;
    first->fit(x, y, o2);
    first->save(dir + "/m.loom");
    EXPECT_FALSE(same_weights(*first, expected));
  }
  set_seed(1234);  // the random state is clobbered; load_model restores the saved one
  every_layer_model();
  auto loaded = load_model(dir + "/m.loom");
  ASSERT_TRUE(loaded->compiled());
  EXPECT_EQ(loaded->metric_names(), (std::vector<std::string>{"mae"}));
  EXPECT_EQ(loaded->optimizer()->iterations(), 2 * 3);  // 18 training samples in batches of 8
  auto o3 = o;
  o3.initial_epoch = 2;
  const History hl = loaded->fit(x, y, o3);
  EXPECT_TRUE(same_weights(*loaded, expected));
  EXPECT_EQ(hl, hs);
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, UserLayerAndSubclassedModelRoundTrip) {
  register_once();
  const std::string dir = temp_dir("mf_user");
  set_seed(5);
  auto m = std::make_shared<Sequential<float>>();
  m->add(Dense(4));
  m->add(std::make_shared<Scale>(1.5));
  m->add(Dense(1));
  m->build(Shape{1, 3});
  const Tensor<float> x = make_regression(7, 1).x;
  Tensor<float> x3 = Tensor<float>::empty(Shape{7, 3});
  for (std::size_t i = 0; i < 7; ++i)
    for (std::size_t j = 0; j < 3; ++j) x3.data()[i * 3 + j] = x.data()[i * 4 + j];
  m->save(dir + "/s.loom");
  auto s = load_model(dir + "/s.loom");
  EXPECT_TRUE(bit_equal(s->predict(x3), m->predict(x3)));
  ASSERT_TRUE(std::dynamic_pointer_cast<Scale>(s->layers()[1]));
  EXPECT_EQ(s->layers()[1]->get_config().at("init"), 1.5);

  auto r = std::make_shared<Regressor>(6);
  r->build(Shape{1, 4});
  r->compile(std::make_shared<optimizers::SGD<float>>(optimizers::SGDOptions{.momentum = 0.5}), "mae");
  r->fit(x, make_regression(7, 1).y, {.epochs = 2, .batch_size = 4, .verbose = 0});
  r->save(dir + "/r.loom");
  auto lr = load_model(dir + "/r.loom");
  ASSERT_TRUE(std::dynamic_pointer_cast<Regressor>(lr));
  EXPECT_EQ(lr->get_config().at("units"), 6);
  EXPECT_TRUE(lr->compiled());
  EXPECT_TRUE(bit_equal(lr->predict(x), r->predict(x)));
  std::filesystem::remove_all(dir);
}

TEST(ModelFile, WhatCannotBeSavedIsRefused) {
  const std::string dir = temp_dir("mf_refuse");
  Sequential<float> unbuilt;
  unbuilt.add(Dense(2));
  EXPECT_TRUE(throws_with<ValueError>([&] { unbuilt.save(dir + "/u.loom"); }, {"built"}));
  Sequential<float> with_user;
  with_user.add(std::make_shared<Unregistered>());
  with_user.add(Dense(1));
  with_user.build(Shape{1, 2});
  EXPECT_TRUE(throws_with<ValueError>([&] { with_user.save(dir + "/w.loom"); }, {"register"}));
  // A loss object has no config: refused with the way out.
  auto m = every_layer_model();
  m->compile(std::make_shared<optimizers::Adam<float>>(), std::make_shared<losses::MeanSquaredError<float>>());
  EXPECT_TRUE(throws_with<ValueError>([&] { m->save(dir + "/l.loom"); }, {"loss", "identifier"}));
  EXPECT_FALSE(std::filesystem::exists(dir + "/u.loom") || std::filesystem::exists(dir + "/w.loom") ||
               std::filesystem::exists(dir + "/l.loom"));
  std::filesystem::remove_all(dir);
}
