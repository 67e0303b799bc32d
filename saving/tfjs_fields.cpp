// The per-field translation of one layer's config between Keras 3 (what loom writes) and
// TensorFlow.js Layers 4.22 (Keras 2 spellings). Every field of every class is listed: a field
// that is not listed, or listed with the only value the other side can express and received at
// another, is refused with NotImplementedError naming the layer and the field. Nothing is dropped
// except the fields that have no effect on the numbers or are carried elsewhere (listed as drop).
#include "saving/tfjs_detail.hpp"

#include <map>
#include <optional>
#include <set>

#include "core/errors.hpp"

namespace loom::tfjs_detail {

namespace {

enum class Kind { copy, activation, initializer, regularizer, constraint, drop };
enum Dir : unsigned { to_tfjs = 1, from_tfjs = 2, both = 3 };

struct Field {
  Field(const char* k, Kind kd = Kind::copy, unsigned d = both, std::optional<Config> o = std::nullopt)
      : key(k), kind(kd), dir(d), only(std::move(o)) {}
  std::string key;
  Kind kind;
  unsigned dir;
  // When set, the only value accepted (the one the other side implements).
  std::optional<Config> only;
};

using Fields = std::vector<Field>;

Fields base_fields() { return {{"name"}, {"trainable"}}; }

Fields rnn_fields() {
  return {{"return_sequences"},
          {"return_state", Kind::copy, both, Config(false)},
          {"go_backwards"},
          {"stateful", Kind::copy, both, Config(false)},
          {"unroll"},
          // TF.js always hands on the previous output at a masked step (Keras's false).
          {"zero_output_for_mask", Kind::drop, to_tfjs, Config(false)},
          {"time_major", Kind::drop, to_tfjs, Config(false)},
          {"use_fused", Kind::drop, to_tfjs},  // loom's choice of kernel, same numbers
          {"units"},
          {"activation", Kind::activation},
          {"use_bias"},
          {"kernel_initializer", Kind::initializer},
          {"recurrent_initializer", Kind::initializer},
          {"bias_initializer", Kind::initializer},
          {"kernel_regularizer", Kind::regularizer},
          {"recurrent_regularizer", Kind::regularizer},
          {"bias_regularizer", Kind::regularizer},
          {"activity_regularizer", Kind::drop, from_tfjs, Config(nullptr)},
          {"kernel_constraint", Kind::constraint},
          {"recurrent_constraint", Kind::constraint},
          {"bias_constraint", Kind::constraint},
          {"dropout"},
          {"recurrent_dropout"},
          // TF.js's cells draw dropout masks without a seed.
          {"seed", Kind::drop, to_tfjs, Config(nullptr)}};
}

Fields with(Fields f, const Fields& more) {
  f.insert(f.end(), more.begin(), more.end());
  return f;
}

const std::map<std::string, Fields>& tables() {
  static const std::map<std::string, Fields> t = {
      {"Dense", with(base_fields(), {{"units"},
                                     {"activation", Kind::activation},
                                     {"use_bias"},
                                     {"kernel_initializer", Kind::initializer},
                                     {"bias_initializer", Kind::initializer},
                                     {"kernel_regularizer", Kind::regularizer},
                                     {"bias_regularizer", Kind::regularizer},
                                     {"activity_regularizer", Kind::copy, both, Config(nullptr)},
                                     {"kernel_constraint", Kind::constraint},
                                     {"bias_constraint", Kind::constraint}})},
      {"Embedding", with(base_fields(), {{"input_dim"},
                                         {"output_dim"},
                                         {"embeddings_initializer", Kind::initializer},
                                         {"embeddings_regularizer", Kind::regularizer},
                                         {"activity_regularizer", Kind::copy, both, Config(nullptr)},
                                         {"embeddings_constraint", Kind::constraint},
                                         {"mask_zero"}})},
      {"Masking", with(base_fields(), {{"mask_value"}})},
      {"Dropout", with(base_fields(), {{"rate"}, {"noise_shape", Kind::copy, both, Config(nullptr)}, {"seed"}})},
      {"SimpleRNN", with(base_fields(), rnn_fields())},
      {"LSTM", with(base_fields(), with(rnn_fields(), {{"recurrent_activation", Kind::activation},
                                                       {"unit_forget_bias"},
                                                       {"implementation"}}))},
      {"GRU", with(base_fields(), with(rnn_fields(), {{"recurrent_activation", Kind::activation},
                                                      {"implementation"},
                                                      {"reset_after", Kind::copy, both, Config(false)}}))},
  };
  return t;
}

// The activations both implement with the same numbers (TF.js's hard_sigmoid is clip(0.2x+0.5),
// loom's too; swish is x*sigmoid(x) in both).
const std::set<std::string>& common_activations() {
  static const std::set<std::string> s = {"linear",   "relu",     "sigmoid",      "tanh",  "softmax", "elu",
                                          "selu",     "softplus", "softsign",     "hard_sigmoid", "swish"};
  return s;
}

[[noreturn]] void refuse(const std::string& who, const std::string& field, const std::string& why) {
  throw NotImplementedError(who + ": option '" + field + "' " + why);
}

Config activation(const Config& v, const std::string& who, const std::string& key, bool to) {
  if (!v.is_string())
    refuse(who, key, "expected an activation identifier TensorFlow.js and loom both have, received " +
                         config::brief(v) + " (a registered custom activation does not cross)");
  const std::string id = v.get<std::string>() == "silu" ? "swish" : v.get<std::string>();
  if (!common_activations().count(id)) {
    std::string valid;
    for (const auto& a : common_activations()) valid += (valid.empty() ? "" : ", ") + a;
    refuse(who, key, std::string("expected one of ") + valid + ", received '" + v.get<std::string>() + "' (" +
                         (to ? "TensorFlow.js" : "loom") + " does not implement it)");
  }
  return Config(id);
}

// Initializers: the same classes but for TF.js's spelling of LeCun, and VarianceScaling's
// "normal", which in TF.js (as in tf.keras 2) is the truncated normal of Keras 3.
Config initializer(const Config& v, const std::string& who, const std::string& key, bool to) {
  if (v.is_null()) return v;
  if (!v.is_object() || !v.contains("class_name") || !v["class_name"].is_string())
    refuse(who, key, "expected an initializer envelope, received " + config::brief(v));
  static const std::map<std::string, std::string> k3_to_js = {
      {"Zeros", "Zeros"},
      {"Ones", "Ones"},
      {"Constant", "Constant"},
      {"RandomUniform", "RandomUniform"},
      {"RandomNormal", "RandomNormal"},
      {"TruncatedNormal", "TruncatedNormal"},
      {"Identity", "Identity"},
      {"VarianceScaling", "VarianceScaling"},
      {"GlorotUniform", "GlorotUniform"},
      {"GlorotNormal", "GlorotNormal"},
      {"HeNormal", "HeNormal"},
      {"HeUniform", "HeUniform"},
      {"LecunNormal", "LeCunNormal"},
      {"LecunUniform", "LeCunUniform"},
      {"Orthogonal", "Orthogonal"}};
  const std::string cls = v["class_name"].get<std::string>();
  std::string mapped;
  for (const auto& [k3, js] : k3_to_js)
    if ((to ? k3 : js) == cls) mapped = to ? js : k3;
  if (mapped.empty())
    refuse(who, key, "expected an initializer class both have, received '" + cls + "'");
  Config c = v.contains("config") && v["config"].is_object() ? v["config"] : Config::object();
  if (mapped == "VarianceScaling" && c.contains("distribution") && c["distribution"].is_string()) {
    const std::string d = c["distribution"].get<std::string>();
    if (to) {
      if (d == "truncated_normal") c["distribution"] = "normal";
      else if (d != "uniform")
        refuse(who, key, "VarianceScaling distribution expected truncated_normal or uniform (what TensorFlow.js "
                         "draws), received '" + d + "'");
    } else {
      if (d == "normal" || d == "truncated_normal" || d == "truncatedNormal") c["distribution"] = "truncated_normal";
      else if (d != "uniform")
        refuse(who, key, "VarianceScaling distribution expected normal, truncated_normal or uniform, received '" +
                             d + "'");
    }
  }
  return Config{{"class_name", mapped}, {"config", c}};
}

// Regularizers: TF.js has L1L2 alone (its l1() and l2() make one).
Config regularizer(const Config& v, const std::string& who, const std::string& key, bool to) {
  if (v.is_null()) return v;
  const std::string cls = v.is_object() && v.contains("class_name") && v["class_name"].is_string()
                              ? v["class_name"].get<std::string>() : "";
  const Config c = v.contains("config") && v["config"].is_object() ? v["config"] : Config::object();
  const bool known = to ? (cls == "L1" || cls == "L2" || cls == "L1L2") : cls == "L1L2";
  if (!known)
    refuse(who, key, std::string("expected a regularizer ") + (to ? "L1, L2 or L1L2" : "L1L2") + ", received " +
                         config::brief(v));
  Config out = Config::object();
  for (const auto& [k, val] : c.items()) {
    if (k != "l1" && k != "l2") refuse(who, key, "regularizer field '" + k + "' has no counterpart");
    out[k] = val;
  }
  if (to) {
    if (!out.contains("l1")) out["l1"] = 0.0;
    if (!out.contains("l2")) out["l2"] = 0.0;
  }
  return Config{{"class_name", "L1L2"}, {"config", out}};
}

Config constraint(const Config& v, const std::string& who, const std::string& key) {
  if (v.is_null()) return v;
  static const std::set<std::string> known = {"MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"};
  const std::string cls = v.is_object() && v.contains("class_name") && v["class_name"].is_string()
                              ? v["class_name"].get<std::string>() : "";
  if (!known.count(cls))
    refuse(who, key, "expected a constraint MaxNorm, NonNeg, UnitNorm or MinMaxNorm, received " + config::brief(v));
  return Config{{"class_name", cls},
                {"config", v.contains("config") && v["config"].is_object() ? v["config"] : Config::object()}};
}

}  // namespace

bool has_field_table(const std::string& class_name) { return tables().count(class_name) > 0; }

Config translate_fields(const std::string& class_name, const Config& config, const std::string& who, bool to) {
  const auto t = tables().find(class_name);
  if (t == tables().end())
    throw NotImplementedError(who + ": layer class '" + class_name + "' expected one that loom and TensorFlow.js "
                              "both implement (Dense, Embedding, Masking, Dropout, SimpleRNN, LSTM, GRU, "
                              "Bidirectional), received '" + class_name + "'");
  Config out = Config::object();
  for (const auto& [key, value] : config.items()) {
    const Field* f = nullptr;
    for (const auto& cand : t->second)
      if (cand.key == key && (cand.dir & (to ? to_tfjs : from_tfjs))) f = &cand;
    if (!f)
      refuse(who, key, std::string("has no counterpart in ") + (to ? "TensorFlow.js" : "loom") + " (value " +
                           config::brief(value) + ")");
    if (f->only && value != *f->only)
      refuse(who, key, "expected " + f->only->dump() + " (the only value TensorFlow.js and loom share), received " +
                           config::brief(value));
    switch (f->kind) {
      case Kind::copy: out[key] = value; break;
      case Kind::activation: out[key] = activation(value, who, key, to); break;
      case Kind::initializer: out[key] = initializer(value, who, key, to); break;
      case Kind::regularizer: out[key] = regularizer(value, who, key, to); break;
      case Kind::constraint: out[key] = constraint(value, who, key); break;
      case Kind::drop: break;
    }
  }
  return out;
}

}  // namespace loom::tfjs_detail
