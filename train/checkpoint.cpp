#include "train/checkpoint.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "layers/weight_paths.hpp"
#include "train/io/npz.hpp"
#include "train/weight_keys.hpp"
#include "train/weights_io.hpp"

namespace loom {

namespace {

constexpr const char* kMetaKey = "checkpoint/meta";
// "state/<layer path>:<key>": a layer's extra_state() (the colon keeps a key such as "states/0"
// apart from the path).
constexpr const char* kStatePrefix = "state/";
constexpr const char* kMagic = "loom-checkpoint 1";

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

double parse_double(const std::string& text, const std::string& what) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw IOError(what + ": checkpoint meta expected a number, received '" + text.substr(0, 40) + "'");
  return v;
}

std::size_t parse_size(const std::string& text, const std::string& what) {
  const double v = parse_double(text, what);
  if (!(v >= 0) || std::floor(v) != v || v > 1e15)
    throw IOError(what + ": checkpoint meta expected a count, received '" + text.substr(0, 40) + "'");
  return static_cast<std::size_t>(v);
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream is(line);
  std::vector<std::string> out;
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

template <class T>
Tensor<T> bytes_tensor(const std::string& text) {
  Tensor<T> t = Tensor<T>::empty(Shape{text.size()});
  for (std::size_t i = 0; i < text.size(); ++i) t.data()[i] = static_cast<T>(static_cast<unsigned char>(text[i]));
  return t;
}

template <class T>
std::string tensor_bytes(const Tensor<T>& t, const std::string& what) {
  if (t.rank() != 1) throw IOError(what + ": '" + kMetaKey + "' expected rank 1, received " + t.shape().str());
  std::string out(t.size(), '\0');
  for (std::size_t i = 0; i < t.size(); ++i) {
    const T v = t.data()[i];
    if (!(v >= 0 && v <= 255) || std::floor(v) != v)
      throw IOError(what + ": '" + kMetaKey + "' expected byte values, received " + std::to_string(v));
    out[i] = static_cast<char>(static_cast<unsigned char>(v));
  }
  return out;
}

struct Meta {
  CheckpointState state;
  std::string learning_rate;  // a hex float, "schedule" or "none"
  std::string rng;
};

std::string encode_meta(const Meta& m) {
  std::ostringstream os;
  os << kMagic << "\n";
  os << "epoch " << m.state.info.epoch << "\n";
  os << "step " << m.state.info.step << "\n";
  os << "learning_rate " << m.learning_rate << "\n";
  os << "rng " << m.rng << "\n";
  os << "loss_total " << hex(m.state.loss_total) << "\n";
  os << "loss_count " << hex(m.state.loss_count) << "\n";
  os << "history_epochs";
  for (auto e : m.state.history.epoch) os << ' ' << e;
  os << "\n";
  for (const auto& [key, values] : m.state.history.history) {
    os << "history_key " << key << "\n";
    os << "history_values";
    for (double v : values) os << ' ' << hex(v);
    os << "\n";
  }
  return os.str();
}

Meta decode_meta(const std::string& text, const std::string& what) {
  std::istringstream is(text);
  std::string line;
  if (!std::getline(is, line) || line != kMagic)
    throw IOError(what + ": checkpoint meta expected to start with '" + std::string(kMagic) + "', received '" +
                  line.substr(0, 40) + "'");
  Meta m;
  auto field = [&](const char* name) {
    if (!std::getline(is, line) || line.rfind(std::string(name) + " ", 0) != 0)
      throw IOError(what + ": checkpoint meta expected the field '" + name + "', received '" + line.substr(0, 40) +
                    "'");
    return line.substr(std::string(name).size() + 1);
  };
  m.state.info.epoch = parse_size(field("epoch"), what);
  m.state.info.step = parse_size(field("step"), what);
  m.learning_rate = field("learning_rate");
  m.rng = field("rng");
  m.state.loss_total = parse_double(field("loss_total"), what);
  m.state.loss_count = parse_double(field("loss_count"), what);
  if (!std::getline(is, line) || line.rfind("history_epochs", 0) != 0)
    throw IOError(what + ": checkpoint meta expected the field 'history_epochs', received '" + line.substr(0, 40) +
                  "'");
  for (const auto& w : words(line.substr(14))) m.state.history.epoch.push_back(parse_size(w, what));
  const std::size_t n = m.state.history.epoch.size();
  while (std::getline(is, line)) {
    if (line.empty()) continue;
    if (line.rfind("history_key ", 0) != 0)
      throw IOError(what + ": checkpoint meta expected 'history_key', received '" + line.substr(0, 40) + "'");
    const std::string key = line.substr(12);
    const std::string values = field("history_values");
    std::vector<double> vs;
    for (const auto& w : words(values)) vs.push_back(parse_double(w, what));
    if (vs.size() != n)
      throw IOError(what + ": checkpoint history '" + key + "' expected " + std::to_string(n) + " values, received " +
                    std::to_string(vs.size()));
    m.state.history.history[key] = std::move(vs);
  }
  return m;
}

// The optimizer keys its slots "<variable name>/<slot>", files key them "<weight path>/<slot>":
// `rename` maps the one prefix to the other ("iterations" stays). A key whose prefix it lacks
// throws `error(key)`.
template <class T, class Error>
std::map<std::string, Tensor<T>> rekey_slots(const std::map<std::string, Tensor<T>>& state,
                                             const std::map<std::string, std::string>& rename, Error error) {
  std::map<std::string, Tensor<T>> out;
  for (const auto& [key, t] : state) {
    if (key == "iterations") {
      out.emplace(key, t);
      continue;
    }
    const auto slash = key.rfind('/');
    const auto it = slash == std::string::npos ? rename.end() : rename.find(key.substr(0, slash));
    if (it == rename.end()) throw error(key);
    out.emplace(it->second + key.substr(slash), t);
  }
  return out;
}

template <class T>
std::map<std::string, Tensor<T>> state_by_path(const Layer<T>& model, const optimizers::Optimizer<T>& optimizer) {
  std::map<std::string, std::string> path_of;
  for (const auto& [p, v] : weight_paths(model)) path_of.emplace(v.name(), p);
  return rekey_slots(optimizer.get_state(), path_of, [&](const std::string& key) {
    return ValueError("checkpoint: optimizer state '" + key + "' expected to belong to a weight of '" +
                      model.name() + "', received a variable outside the model (an optimizer shared with "
                      "another model?)");
  });
}

}  // namespace

template <class T>
void save_checkpoint(const Layer<T>& model, optimizers::Optimizer<T>* optimizer, const CheckpointState& state,
                     const std::string& path) {
  io::save_npz<T>(path, checkpoint_arrays(model, optimizer, state));
}

template <class T>
std::map<std::string, Tensor<T>> checkpoint_arrays(const Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                                                   const CheckpointState& state) {
  std::map<std::string, Tensor<T>> arrays;
  for (auto& [name, t] : path_weights(model)) arrays.emplace("weights/" + name, t);
  for (const auto& [path, layer] : layer_paths(model))
    for (auto& [key, t] : layer->extra_state()) arrays.emplace(std::string(kStatePrefix) + path + ":" + key, t);
  Meta meta;
  meta.state = state;
  meta.learning_rate = "none";
  if (optimizer) {
    optimizer->build(model.trainable_weights());
    for (auto& [key, t] : state_by_path(model, *optimizer)) arrays.emplace("optimizer/" + key, t);
    meta.learning_rate =
        optimizer->learning_rate_setting().is_schedule() ? "schedule" : hex(optimizer->learning_rate());
  }
  meta.rng = default_generator().state();
  arrays.emplace(kMetaKey, bytes_tensor<T>(encode_meta(meta)));
  return arrays;
}

template <class T>
CheckpointState load_checkpoint(Layer<T>& model, optimizers::Optimizer<T>* optimizer, const std::string& path) {
  return restore_checkpoint_arrays(model, optimizer, io::load_npz<T>(path), "load_checkpoint('" + path + "')");
}

template <class T>
CheckpointState restore_checkpoint_arrays(Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                                          const std::map<std::string, Tensor<T>>& arrays, const std::string& what) {
  auto meta_it = arrays.find(kMetaKey);
  if (meta_it == arrays.end())
    throw IOError(what + ": expected a loom checkpoint with '" + std::string(kMetaKey) +
                  "', received a file without it (a weights file? use load_weights)");
  const Meta meta = decode_meta(tensor_bytes(meta_it->second, what), what);

  std::map<std::string, Tensor<T>> weights;
  typename optimizers::Optimizer<T>::State file_state;
  std::map<std::string, std::map<std::string, Tensor<T>>> extra;  // layer path -> its extra state
  for (const auto& [key, t] : arrays) {
    if (key == kMetaKey) continue;
    if (key.rfind("weights/", 0) == 0) {
      weights.emplace(key.substr(8), t);
    } else if (key.rfind("optimizer/", 0) == 0) {
      file_state.emplace(key.substr(10), t);
    } else if (key.rfind(kStatePrefix, 0) == 0 && key.find(':') != std::string::npos) {
      const auto colon = key.find(':');
      const std::size_t from = std::string(kStatePrefix).size();
      extra[key.substr(from, colon - from)].emplace(key.substr(colon + 1), t);
    } else {
      throw IOError(what + ": array names expected to start with 'weights/', 'optimizer/' or 'state/', received '" +
                    key + "'");
    }
  }
  const auto layers = layer_paths(model);
  for (const auto& [path, state] : extra) {
    bool found = false;
    for (const auto& [p, l] : layers) found |= p == path;
    if (!found)
      throw IOError(what + ": layer state '" + path + "' expected to belong to a layer of the model, received a path "
                    "of none (another architecture?)");
  }
  // Weight keys as paths (a loom 0.1 checkpoint keys them by variable name; train/weight_keys.hpp),
  // and the optimizer's slots with them.
  std::map<std::string, Shape> shapes;
  for (const auto& [key, t] : weights) shapes.emplace(key, t.shape());
  const auto keys = weight_file_keys(model, shapes, what);
  const auto by_path = check_weight_file(model, weights, what);
  const auto opt_state = rekey_slots(file_state, keys, [&](const std::string& key) {
    return IOError(what + ": optimizer state '" + key + "' expected to be '<weight>/<slot>' of a weight in the "
                   "file, received a key of no weight");
  });

  if (!opt_state.empty()) {
    if (!optimizer)
      throw ValueError(what + ": an optimizer expected to receive the checkpoint's optimizer state, received none "
                       "(compile the model first)");
    // Slots exist only for built variables; building (zeros) changes no value that matters.
    optimizer->build(model.trainable_weights());
    const auto expected = state_by_path(model, *optimizer);
    for (const auto& [key, t] : expected) {
      auto it = opt_state.find(key);
      if (it == opt_state.end())
        throw IOError(what + ": optimizer state '" + key + "' expected in the file, received a file without it");
      if (it->second.shape() != t.shape() && !(key == "iterations" && it->second.size() == 1))
        throw ShapeError(what + ": optimizer state '" + key + "' expected shape " + t.shape().str() + ", received " +
                         it->second.shape().str());
    }
    for (const auto& [key, t] : opt_state)
      if (!expected.count(key))
        throw IOError(what + ": optimizer state '" + key + "' expected to belong to this optimizer, received a "
                      "key it does not have (another optimizer or architecture?)");
    const double iters = static_cast<double>(opt_state.at("iterations").data()[0]);
    // The bound is checked here, before any weight is assigned, so that a bad count cannot leave a
    // half-loaded model behind (Optimizer::set_state would only reject it afterwards).
    if (!(iters >= 0) || std::floor(iters) != iters || iters > 9.0e18)
      throw IOError(what + ": optimizer iterations expected a whole number in [0, 9e18], received " +
                    std::to_string(iters));
  }
  double lr = 0.0;
  const bool set_lr = optimizer && meta.learning_rate != "none" && meta.learning_rate != "schedule" &&
                      !optimizer->learning_rate_setting().is_schedule();
  if (set_lr) {
    lr = parse_double(meta.learning_rate, what);
    if (!(lr >= 0) || !std::isfinite(lr))
      throw IOError(what + ": learning rate expected a finite value >= 0, received " + meta.learning_rate);
  }
  Generator probe;
  try {
    probe.set_state(meta.rng);
  } catch (const ValueError& e) {
    throw IOError(what + ": random generator state unreadable: " + e.what());
  }

  // Each layer checks its own extra state (layers/layer.hpp), all of them before any takes it.
  for (const auto& [path, layer] : layers)
    if (const auto it = extra.find(path); it != extra.end()) {
      try {
        layer->check_extra_state(it->second);
      } catch (const ValueError& e) {
        throw IOError(what + ": layer state of '" + path + "' refused: " + e.what());
      }
    }

  // Everything is valid: only now is anything changed.
  for (const auto& [path, layer] : layers)
    if (const auto it = extra.find(path); it != extra.end()) layer->set_extra_state(it->second);
  for (auto& [path, v] : weight_paths(model)) v.assign(by_path.at(path));
  if (!opt_state.empty()) {
    std::map<std::string, std::string> name_of;
    for (const auto& [p, v] : weight_paths(model)) name_of.emplace(p, v.name());
    optimizer->set_state(rekey_slots(opt_state, name_of, [](const std::string& key) {
      return IOError("checkpoint: optimizer state '" + key + "' has no variable (unreachable: checked above)");
    }));
  }
  if (set_lr) optimizer->set_learning_rate(lr);
  default_generator().set_state(meta.rng);
  return meta.state;
}

#define LOOM_INSTANTIATE_CHECKPOINT(T)                                                                     \
  template void save_checkpoint<T>(const Layer<T>&, optimizers::Optimizer<T>*, const CheckpointState&,     \
                                   const std::string&);                                                    \
  template CheckpointState load_checkpoint<T>(Layer<T>&, optimizers::Optimizer<T>*, const std::string&);  \
  template std::map<std::string, Tensor<T>> checkpoint_arrays<T>(const Layer<T>&, optimizers::Optimizer<T>*, \
                                                                 const CheckpointState&);                  \
  template CheckpointState restore_checkpoint_arrays<T>(Layer<T>&, optimizers::Optimizer<T>*,               \
                                                        const std::map<std::string, Tensor<T>>&, const std::string&);
LOOM_INSTANTIATE_CHECKPOINT(float)
LOOM_INSTANTIATE_CHECKPOINT(double)

}  // namespace loom
