#pragma once
// The round-trip cases of the layers folder's classes (test_config_roundtrip.cpp), shared with
// train/'s test, which adds Sequential: each builds an object with a non-default value for every
// option, and check_layers() rebuilds every registered class from its config.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "test_util.hpp"

namespace loom::testing::config_cases {

// A user's cell and activation, registered as a user registers them.
template <class T>
class ScaledTanhCell : public RNNCell<T> {
 public:
  explicit ScaledTanhCell(long units, double scale = 1.0, std::string name = "")
      : RNNCell<T>(name.empty() ? unique_layer_name("scaled_tanh_cell") : name), units_(units), scale_(scale) {}
  static std::shared_ptr<ScaledTanhCell> from_config(const Config& c) {
    config::Reader r(c, "ScaledTanhCell");
    const auto base = config::read_layer_base<T>(r);
    const long units = static_cast<long>(r.integer("units", 1));
    const double scale = r.number("scale", 1.0);
    r.finish();
    return config::finish_layer(std::make_shared<ScaledTanhCell>(units, scale, base.name), base);
  }
  Config get_config() const override {
    Config c = RNNCell<T>::get_config();
    c["units"] = units_;
    c["scale"] = scale_;
    return c;
  }
  std::vector<std::size_t> state_size() const override { return {std::size_t(units_)}; }
  std::size_t output_size() const override { return std::size_t(units_); }
  void build(const Shape& s) override {
    k_ = this->add_weight("kernel", Shape{s[1], std::size_t(units_)}, get_initializer("glorot_uniform"));
    RNNCell<T>::build(s);
  }
  using RNNCell<T>::call;
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states, bool) override {
    auto h = tanh(matmul(x, k_.value()) * T(scale_) + states[0]);
    return {h, {h}};
  }

 private:
  long units_;
  double scale_;
  Variable<T> k_;
};

struct Cube : Activation {
  explicit Cube(double a = 1.0) : a(a) {}
  static std::shared_ptr<Cube> from_config(const Config& c) {
    config::Reader r(c, "Cube");
    auto p = std::make_shared<Cube>(r.number("a", 1.0));
    r.finish();
    return p;
  }
  Tensor<float> operator()(const Tensor<float>& x) const override { return x * x * x * float(a); }
  Tensor<double> operator()(const Tensor<double>& x) const override { return x * x * x * a; }
  std::string name() const override { return "cube"; }
  Config get_config() const override { return {{"a", a}}; }
  double a;
};

inline const bool registered = [] {
  register_layer<ScaledTanhCell>("ScaledTanhCell");
  register_activation<Cube>("Cube");
  return true;
}();

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Keys written at Keras's fixed default whatever the options (fields loom does not implement).
inline const std::set<std::string> kFixed = {"name", "dtype", "activity_regularizer", "noise_shape"};

// Every option of `nondef` differs from the default object's (a key the default does not write
// counts as different).
inline ::testing::AssertionResult all_options_differ(const Config& nondef, const Config& def) {
  for (auto it = nondef.begin(); it != nondef.end(); ++it) {
    if (kFixed.count(it.key())) continue;
    if (def.contains(it.key()) && def.at(it.key()) == it.value())
      return ::testing::AssertionFailure() << "option '" << it.key() << "' is at its default " << it.value().dump();
  }
  return ::testing::AssertionSuccess();
}

template <class T>
struct LayerCase {
  std::function<std::shared_ptr<Layer<T>>()> make, make_default;
  Shape input;  // the layer's input; for a cell, one step's (batch, features)
};

template <class T>
Tensor<T> input_for(const Shape& s) {
  Generator g(5);
  auto x = random::normal<T>(s, 0.0, 1.0, g);
  return x;
}

// A layer's output in training mode (so seeded dropout counts); a cell runs one step.
template <class T>
Tensor<T> run(Layer<T>& layer, const Tensor<T>& x) {
  if (auto* cell = dynamic_cast<RNNCell<T>*>(&layer)) {
    cell->maybe_build(x.shape());
    cell->reset_dropout_masks();
    auto states = cell->get_initial_state(x.dim(0));
    for (auto& s : states) s = s + T(0.25);
    return cell->call(x, states, true).output;
  }
  if (auto* embedding = dynamic_cast<Embedding<T>*>(&layer)) {
    (void)embedding;
    return layer(Tensor<T>{{1, 0, 3}, {2, 2, 0}}, true);
  }
  return layer(x, true);
}

template <class T>
std::map<std::string, LayerCase<T>> layer_cases() {
  using P = std::shared_ptr<Layer<T>>;
  GRUCellOptions gru{.activation = "relu",
                     .recurrent_activation = "hard_sigmoid",
                     .use_bias = false,
                     .kernel_initializer = Orthogonal(1.5, 3),
                     .recurrent_initializer = GlorotNormal(4),
                     .bias_initializer = Constant(0.5),
                     .kernel_regularizer = L2(0.02),
                     .recurrent_regularizer = L1(0.03),
                     .bias_regularizer = L1L2(0.1, 0.2),
                     .kernel_constraint = MaxNorm(3.0, 1),
                     .recurrent_constraint = UnitNorm(1),
                     .bias_constraint = NonNeg(),
                     .dropout = 0.25,
                     .recurrent_dropout = 0.125,
                     .implementation = 1,
                     .reset_after = false,
                     .seed = 9};
  LSTMCellOptions lstm{.activation = "softsign",
                       .recurrent_activation = Cube(0.5),
                       .use_bias = false,
                       .kernel_initializer = HeUniform(2),
                       .recurrent_initializer = LecunNormal(3),
                       .bias_initializer = RandomUniform(-0.2, 0.3, 4),
                       .unit_forget_bias = false,
                       .kernel_regularizer = L2(0.02),
                       .recurrent_regularizer = L1(0.03),
                       .bias_regularizer = L2(0.04),
                       .kernel_constraint = MinMaxNorm(0.1, 2.0, 0.5, 1),
                       .recurrent_constraint = NonNeg(),
                       .bias_constraint = MaxNorm(4.0),
                       .dropout = 0.2,
                       .recurrent_dropout = 0.3,
                       .implementation = 1,
                       .seed = 5};
  SimpleRNNCellOptions srnn{.activation = "relu",
                            .use_bias = false,
                            .kernel_initializer = TruncatedNormal(0.1, 0.2, 6),
                            .recurrent_initializer = Identity(0.5),
                            .bias_initializer = Ones(),
                            .kernel_regularizer = L1(0.1),
                            .recurrent_regularizer = L2(0.1),
                            .bias_regularizer = L1(0.2),
                            .kernel_constraint = NonNeg(),
                            .recurrent_constraint = MaxNorm(1.0),
                            .bias_constraint = UnitNorm(0),
                            .dropout = 0.1,
                            .recurrent_dropout = 0.2,
                            .seed = 8};
  const RNNOptions rnn{.return_sequences = true,
                       .return_state = true,
                       .go_backwards = true,
                       .stateful = true,
                       .unroll = true,
                       .time_major = true,
                       .zero_output_for_mask = true,
                       .use_fused = false};
  auto named = [](auto o, std::string n) {
    o.name = std::move(n);
    return o;
  };
  std::map<std::string, LayerCase<T>> c;
  c["Dense"] = {[] {
                  return P(std::make_shared<Dense<T>>(
                      3, DenseOptions{.activation = "elu",
                                      .use_bias = false,
                                      .kernel_initializer = VarianceScaling(0.5, "fan_out", "uniform", 7),
                                      .bias_initializer = Ones(),
                                      .kernel_regularizer = L1L2(0.01, 0.02),
                                      .bias_regularizer = L2(0.3),
                                      .kernel_constraint = MinMaxNorm(0.5, 1.5, 0.7, 1),
                                      .bias_constraint = NonNeg(),
                                      .name = "d"}));
                },
                [] { return P(std::make_shared<Dense<T>>(7)); }, Shape{2, 4}};
  c["Embedding"] = {[] {
                      return P(std::make_shared<Embedding<T>>(
                          5, 3, EmbeddingOptions{.embeddings_initializer = RandomNormal(0.5, 2.0, 3),
                                                 .embeddings_regularizer = L2(0.1),
                                                 .embeddings_constraint = MaxNorm(1.0),
                                                 .mask_zero = true,
                                                 .name = "e"}));
                    },
                    [] { return P(std::make_shared<Embedding<T>>(6, 2)); }, Shape{2, 3}};
  c["Dropout"] = {[] { return P(std::make_shared<Dropout<T>>(0.3, DropoutOptions{.seed = 3, .name = "dr"})); },
                  [] { return P(std::make_shared<Dropout<T>>(0.5)); }, Shape{3, 4}};
  c["Masking"] = {[] { return P(std::make_shared<Masking<T>>(0.5, MaskingOptions{.name = "m"})); },
                  [] { return P(std::make_shared<Masking<T>>()); }, Shape{2, 3, 2}};
  c["GRUCell"] = {[=] { return P(std::make_shared<GRUCell<T>>(3, named(gru, "gc"))); },
                  [] { return P(std::make_shared<GRUCell<T>>(7)); }, Shape{2, 4}};
  c["LSTMCell"] = {[=] { return P(std::make_shared<LSTMCell<T>>(3, named(lstm, "lc"))); },
                   [] { return P(std::make_shared<LSTMCell<T>>(7)); }, Shape{2, 4}};
  c["SimpleRNNCell"] = {[=] { return P(std::make_shared<SimpleRNNCell<T>>(3, named(srnn, "sc"))); },
                        [] { return P(std::make_shared<SimpleRNNCell<T>>(7)); }, Shape{2, 4}};
  c["StackedRNNCells"] = {[=] {
                            return P(std::make_shared<StackedRNNCells<T>>(
                                std::vector<std::shared_ptr<RNNCell<T>>>{std::make_shared<GRUCell<T>>(2, gru),
                                                                         std::make_shared<LSTMCell<T>>(3, lstm)},
                                StackedRNNCellsOptions{.name = "st"}));
                          },
                          [] {
                            return P(std::make_shared<StackedRNNCells<T>>(std::vector<std::shared_ptr<RNNCell<T>>>{
                                std::make_shared<GRUCell<T>>(2)}));
                          },
                          Shape{2, 4}};
  c["RNN"] = {[=] { return P(std::make_shared<RNN<T>>(std::make_shared<SimpleRNNCell<T>>(3, srnn), named(rnn, "r"))); },
              [] { return P(std::make_shared<RNN<T>>(std::make_shared<GRUCell<T>>(3))); }, Shape{4, 2, 3}};
  c["GRU"] = {[=] { return P(std::make_shared<GRU<T>>(3, gru, named(rnn, "g"))); },
              [] { return P(std::make_shared<GRU<T>>(7)); }, Shape{4, 2, 3}};
  c["LSTM"] = {[=] { return P(std::make_shared<LSTM<T>>(3, lstm, named(rnn, "l"))); },
               [] { return P(std::make_shared<LSTM<T>>(7)); }, Shape{4, 2, 3}};
  c["SimpleRNN"] = {[=] { return P(std::make_shared<SimpleRNN<T>>(3, srnn, named(rnn, "s"))); },
                    [] { return P(std::make_shared<SimpleRNN<T>>(7)); }, Shape{4, 2, 3}};
  c["Bidirectional"] = {[=] {
                          RNNOptions o{.return_sequences = true, .go_backwards = true};
                          return P(std::make_shared<Bidirectional<T>>(
                              std::make_shared<LSTM<T>>(2, lstm, o),
                              BidirectionalOptions<T>{.merge_mode = "sum", .name = "bi"}));
                        },
                        [] { return P(std::make_shared<Bidirectional<T>>(std::make_shared<GRU<T>>(2))); },
                        Shape{2, 4, 3}};
  c["ScaledTanhCell"] = {[] { return P(std::make_shared<ScaledTanhCell<T>>(3, 0.5, "u")); },
                         [] { return P(std::make_shared<ScaledTanhCell<T>>(7)); }, Shape{2, 4}};
  return c;
}

// Both directions: every registered class has a case, and every case names a registered class.
template <class T>
void every_registered_class_has_a_case() {
  const auto cases = layer_cases<T>();
  const auto names = registry<Layer<T>>().names();
  for (const auto& name : names)
    EXPECT_TRUE(cases.count(name)) << "registered layer class '" << name << "' has no round-trip case";
  for (const auto& [name, c] : cases)
    EXPECT_TRUE(std::find(names.begin(), names.end(), name) != names.end())
        << "round-trip case '" << name << "' names no registered class";
}

template <class T>
void check_layers(const std::map<std::string, LayerCase<T>>& cases) {
  for (const auto& name : registry<Layer<T>>().names()) {
    SCOPED_TRACE(name);
    const auto it = cases.find(name);
    ASSERT_NE(it, cases.end()) << "registered layer class '" << name << "' has no round-trip case";
    const auto& cs = it->second;
    auto original = cs.make();
    original->set_trainable(false);  // every case's non-default value of Keras's base option
    const Config env = serialize<Layer<T>>(*original);
    EXPECT_EQ(env.at("class_name"), name);
    EXPECT_TRUE(all_options_differ(env.at("config"), cs.make_default()->get_config()));

    auto rebuilt = from_config<Layer<T>>(env);
    EXPECT_EQ(serialize<Layer<T>>(*rebuilt), env);
    EXPECT_EQ(rebuilt->name(), original->name());
    EXPECT_EQ(rebuilt->trainable(), original->trainable());

    // Same weights, same outputs, bit for bit: build both, copy, run each once.
    const Tensor<T> x = input_for<T>(cs.input);
    original->maybe_build(cs.input);
    rebuilt->maybe_build(cs.input);
    rebuilt->set_weights(original->get_weights());
    const auto a = run(*original, x), b = run(*rebuilt, x);
    EXPECT_TRUE(same_bits(a, b));
    // A clone is the same layer again.
    auto copy = original->clone(CloneWeights::copy);
    EXPECT_EQ(serialize<Layer<T>>(*copy), env);
    EXPECT_EQ(copy->get_weights().size(), original->get_weights().size());
  }
}

}  // namespace loom::testing::config_cases
