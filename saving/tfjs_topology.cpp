// The whole topology between loom's Keras 3 Sequential config and TF.js's modelTopology: the
// envelopes, the input shape (Keras 3 records build_input_shape on the model, TF.js a
// batch_input_shape on the first layer), Bidirectional and the masks.
#include <optional>
#include <string>

#include "core/errors.hpp"
#include "saving/tfjs_detail.hpp"

namespace loom::tfjs_detail {

namespace {

bool flag(const Config& c, const char* key) { return c.contains(key) && c[key].is_boolean() && c[key].get<bool>(); }

bool is_rnn(const std::string& cls) { return cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU"; }

std::string who_of(const char* fn, const Config& config, const std::string& cls) {
  const std::string name = config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>()
                                                                                  : "?";
  return std::string(fn) + ": layer '" + name + "' (" + cls + ")";
}

// TF.js's RNN hands on the previous output at a masked step, and so does its Bidirectional, where
// Keras (and loom) zero the outputs of masked steps (zero_output_for_mask). The two agree unless a
// mask reaches a Bidirectional that returns sequences; that case is refused rather than changed.
struct MaskTracker {
  bool live = false;
  void step(const std::string& cls, const Config& c, const std::string& who) {
    if (cls == "Embedding") live = flag(c, "mask_zero");
    else if (cls == "Masking") live = true;
    else if (is_rnn(cls)) live = live && flag(c, "return_sequences");
    else if (cls == "Bidirectional") {
      const bool seq = c.contains("layer") && c["layer"].is_object() && c["layer"].contains("config") &&
                       flag(c["layer"]["config"], "return_sequences");
      if (live && seq)
        throw NotImplementedError(who + ": option 'zero_output_for_mask' differs: a masked Bidirectional with "
                                  "return_sequences zeroes masked steps in Keras and loom, TensorFlow.js repeats "
                                  "the previous output; such a model is not exchanged");
      live = live && seq;
    }
  }
};

Config envelope_parts(const Config& env, const char* fn, std::string& cls) {
  if (!env.is_object() || !env.contains("class_name") || !env["class_name"].is_string())
    throw ValueError(std::string(fn) + ": layer expected an object with a string 'class_name', received " +
                     config::brief(env));
  cls = env["class_name"].get<std::string>();
  const Config c = env.contains("config") ? env["config"] : Config::object();
  if (!c.is_object())
    throw ValueError(std::string(fn) + ": layer '" + cls + "' config expected an object, received " +
                     config::brief(c));
  return c;
}

// One RNN inside a Bidirectional, or on its own.
Config rnn_to_tfjs(const Config& env, bool in_bidirectional) {
  std::string cls;
  Config c = envelope_parts(env, "save_tfjs", cls);
  const std::string who = who_of("save_tfjs", c, cls);
  if (!is_rnn(cls))
    throw NotImplementedError(who + ": Bidirectional's layer expected SimpleRNN, LSTM or GRU, received '" + cls + "'");
  c.erase("dtype");
  if (in_bidirectional) c.erase("zero_output_for_mask");  // Bidirectional sets it; see MaskTracker
  return Config{{"class_name", cls}, {"config", translate_fields(cls, c, who, true)}};
}

Config bidirectional_to_tfjs(Config c, const std::string& who) {
  Config out = Config::object();
  for (const auto& [key, value] : c.items()) {
    if (key == "name" || key == "trainable") out[key] = value;
    else if (key == "dtype") continue;
    else if (key == "merge_mode") {
      if (value.is_null())
        throw NotImplementedError(who + ": option 'merge_mode' expected concat, sum, mul or ave in a Sequential "
                                  "(TensorFlow.js's Sequential takes one output per layer), received none");
      out[key] = value;
    } else if (key == "layer") out[key] = rnn_to_tfjs(value, true);
    else if (key == "backward_layer") {
      // TF.js always builds the backward layer as a copy of the forward one; only that crosses.
      Config fwd = c["layer"].value("config", Config::object()), bwd = value.value("config", Config::object());
      for (Config* x : {&fwd, &bwd}) {
        x->erase("name");
        x->erase("zero_output_for_mask");
      }
      fwd["go_backwards"] = !fwd.value("go_backwards", false);
      if (fwd != bwd || value.value("class_name", "") != c["layer"].value("class_name", ""))
        throw NotImplementedError(who + ": option 'backward_layer' expected the default copy of 'layer' (TensorFlow.js "
                                  "has no separate backward layer), received another layer config");
    } else
      throw NotImplementedError(who + ": option '" + key + "' has no counterpart in TensorFlow.js");
  }
  return Config{{"class_name", "Bidirectional"}, {"config", out}};
}

std::vector<std::size_t> shape_of(const Config& v, const std::string& who) {
  std::vector<std::size_t> s;
  if (!v.is_array() || v.size() < 2)
    throw ValueError(who + ": field 'batch_input_shape' expected [null, dims...], received " + config::brief(v));
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i].is_null()) s.push_back(1);  // unknown time steps: any length builds the same weights
    else if (v[i].is_number_unsigned() && v[i].get<std::size_t>() > 0) s.push_back(v[i].get<std::size_t>());
    else throw ValueError(who + ": field 'batch_input_shape' expected positive dimensions or null, received " +
                          config::brief(v));
  }
  return s;
}

// TF.js writes a few fields as null where loom has a value; their meaning is TF.js's default.
void tfjs_nulls(const std::string& cls, Config& c) {
  if (c.contains("implementation") && c["implementation"].is_null()) c.erase("implementation");
  // TF.js's LSTM adds 1 to the forget bias only when unit_forget_bias is truthy.
  // TF.js writes an argument it was not given as null; its Embedding masks only when mask_zero is truthy.
  if (cls == "Embedding" && c.contains("mask_zero") && c["mask_zero"].is_null()) c["mask_zero"] = false;
  if (cls == "LSTM" && c.contains("unit_forget_bias") && c["unit_forget_bias"].is_null()) c["unit_forget_bias"] = false;
  if (c.contains("dtype")) {
    if (c["dtype"] != "float32")
      throw NotImplementedError(who_of("load_tfjs", c, cls) + ": option 'dtype' expected \"float32\", received " +
                                config::brief(c["dtype"]));
    c.erase("dtype");
  }
}

Config rnn_from_tfjs(const Config& env, std::optional<Config>& batch_input_shape) {
  std::string cls;
  Config c = envelope_parts(env, "load_tfjs", cls);
  const std::string who = who_of("load_tfjs", c, cls);
  if (!is_rnn(cls))
    throw NotImplementedError(who + ": Bidirectional's layer expected SimpleRNN, LSTM or GRU, received '" + cls + "'");
  tfjs_nulls(cls, c);
  if (c.contains("batch_input_shape")) {
    batch_input_shape = c["batch_input_shape"];
    c.erase("batch_input_shape");
  }
  return Config{{"class_name", cls}, {"config", translate_fields(cls, c, who, false)}};
}

}  // namespace

Config topology_to_tfjs(const Config& seq) {
  const Config* shape = seq.contains("build_input_shape") ? &seq["build_input_shape"] : nullptr;
  if (!shape || !shape->is_array())
    throw ValueError("save_tfjs: model expected to be built (TensorFlow.js needs its input shape), received an "
                     "unbuilt model; call it or build() it first");
  if (!seq.value("trainable", true))
    throw NotImplementedError("save_tfjs: model option 'trainable' expected true, received false (set it per layer)");
  Config layers = Config::array();
  MaskTracker masks;
  for (const auto& env : seq.at("layers")) {
    std::string cls;
    Config c = envelope_parts(env, "save_tfjs", cls);
    const std::string who = who_of("save_tfjs", c, cls);
    masks.step(cls, c, who);
    Config out;
    if (cls == "Bidirectional") out = bidirectional_to_tfjs(c, who);
    else {
      c.erase("dtype");  // the weights are float32 in the file whatever T is
      out = Config{{"class_name", cls}, {"config", translate_fields(cls, c, who, true)}};
    }
    if (layers.empty()) {
      out["config"]["batch_input_shape"] = *shape;
      out["config"]["dtype"] = "float32";
    }
    layers.push_back(std::move(out));
  }
  return Config{{"class_name", "Sequential"},
                {"config", {{"name", seq.value("name", "sequential")}, {"layers", layers}}},
                {"keras_version", kKerasVersion},
                {"backend", kBackend}};
}

LoomTopology topology_from_tfjs(const Config& topology) {
  const Config& t = topology.contains("model_config") ? topology["model_config"] : topology;
  if (!t.is_object() || t.value("class_name", "") != "Sequential")
    throw NotImplementedError("load_tfjs: modelTopology class_name expected \"Sequential\" (loom reads Sequential "
                              "models), received " + config::brief(t.is_object() && t.contains("class_name")
                                                                       ? t["class_name"] : t));
  const Config& sc = t.contains("config") ? t["config"] : Config::object();
  LoomTopology out;
  const Config* list = &sc;
  if (sc.is_object()) {
    for (const auto& [key, value] : sc.items())
      if (key != "name" && key != "layers")
        throw NotImplementedError("load_tfjs: Sequential field '" + key + "' has no counterpart in loom");
    out.name = sc.value("name", "");
    list = sc.contains("layers") ? &sc["layers"] : nullptr;
  }
  if (!list || !list->is_array() || list->empty())
    throw ValueError("load_tfjs: Sequential 'layers' expected a non-empty list, received " +
                     config::brief(list ? *list : Config()));
  std::optional<Config> batch_input_shape;
  MaskTracker masks;
  for (const auto& env : *list) {
    std::string cls;
    Config c = envelope_parts(env, "load_tfjs", cls);
    const std::string who = who_of("load_tfjs", c, cls);
    const bool first = out.layers.empty();
    if (c.contains("batch_input_shape")) {
      if (!first) throw NotImplementedError(who + ": option 'batch_input_shape' expected on the first layer only");
      batch_input_shape = c["batch_input_shape"];
      c.erase("batch_input_shape");
    }
    tfjs_nulls(cls, c);
    Config k3;
    if (cls == "Bidirectional") {
      Config b = Config::object();
      for (const auto& [key, value] : c.items()) {
        if (key == "name" || key == "trainable") b[key] = value;
        else if (key == "merge_mode") {
          if (!value.is_string())
            throw NotImplementedError(who + ": option 'merge_mode' expected concat, sum, mul or ave in a Sequential, "
                                      "received " + config::brief(value));
          b[key] = value;
        } else if (key == "layer") {
          std::optional<Config> inner_shape;
          b[key] = rnn_from_tfjs(value, inner_shape);
          if (inner_shape && first) batch_input_shape = inner_shape;
        } else
          throw NotImplementedError(who + ": option '" + key + "' has no counterpart in loom");
      }
      k3 = Config{{"class_name", cls}, {"config", b}};
    } else {
      if (cls == "Embedding" && c.contains("input_length")) {
        // TF.js repeats the time steps here; loom takes them from the input shape alone.
        const Config len = c["input_length"];
        c.erase("input_length");
        if (!len.is_null() && !(first && batch_input_shape && batch_input_shape->size() == 2 &&
                                (*batch_input_shape)[1] == len))
          throw NotImplementedError(who + ": option 'input_length' expected null or the first layer's time steps, "
                                    "received " + config::brief(len));
      }
      k3 = Config{{"class_name", cls}, {"config", translate_fields(cls, c, who, false)}};
    }
    masks.step(cls, k3["config"], who);
    out.layers.push_back(std::move(k3));
  }
  if (!batch_input_shape)
    throw NotImplementedError("load_tfjs: first layer option 'batch_input_shape' expected (loom builds the model "
                              "from it), received a model without an input shape");
  const auto dims = shape_of(*batch_input_shape, "load_tfjs: first layer");
  std::vector<std::size_t> s{1};
  s.insert(s.end(), dims.begin(), dims.end());
  out.build_shape = Shape(s);
  return out;
}

}  // namespace loom::tfjs_detail
