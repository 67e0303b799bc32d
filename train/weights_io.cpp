#include "train/weights_io.hpp"

#include "core/errors.hpp"
#include "layers/weight_paths.hpp"
#include "train/io/atomic_file.hpp"
#include "train/io/npz.hpp"
#include "train/io/zip.hpp"
#include "train/weight_keys.hpp"

namespace loom {

namespace {

template <class T>
std::vector<std::pair<std::string, Variable<T>>> built_paths(const Layer<T>& layer) {
  auto paths = weight_paths(layer);
  if (paths.empty())
    throw ValueError("'" + layer.name() + "': weights expected, received none (the model is not built: call it "
                     "on an input or build() it first)");
  return paths;
}

// An .npz, or the weights entry of a model file (model.save), as Keras's load_weights also takes a
// .keras archive. A model file is a zip that holds config.json and model.weights.npz; anything else
// is read as an .npz, whose reader then says what is wrong with it.
template <class T>
std::map<std::string, Tensor<T>> read_weight_arrays(const std::string& path) {
  std::vector<io::zip::Entry> entries;
  try {
    entries = io::zip::read(io::read_file(path), path);
  } catch (const IOError&) {
    return io::load_npz<T>(path);
  }
  bool has_config = false;
  const io::zip::Entry* weights = nullptr;
  for (const auto& e : entries) {
    has_config |= e.name == "config.json";
    if (e.name == "model.weights.npz") weights = &e;
  }
  if (has_config && weights) return io::load_npz_bytes<T>(weights->data, path + ": entry 'model.weights.npz'");
  return io::load_npz<T>(path);
}

}  // namespace

template <class T>
std::map<std::string, Tensor<T>> path_weights(const Layer<T>& layer) {
  std::map<std::string, Tensor<T>> out;
  for (const auto& [path, v] : built_paths(layer)) out.emplace(path, v.value());
  return out;
}

template <class T>
std::map<std::string, Tensor<T>> check_weight_file(const Layer<T>& layer,
                                                   const std::map<std::string, Tensor<T>>& arrays,
                                                   const std::string& what) {
  const auto paths = built_paths(layer);
  std::map<std::string, Shape> shapes;
  for (const auto& [key, t] : arrays) shapes.emplace(key, t.shape());
  const auto keys = weight_file_keys(layer, shapes, what);
  std::map<std::string, Tensor<T>> by_path;
  for (const auto& [key, t] : arrays) by_path.emplace(keys.at(key), t);
  for (const auto& [path, w] : paths) {
    auto it = by_path.find(path);
    if (it == by_path.end())
      throw IOError(what + ": weight '" + path + "' of '" + layer.name() + "' expected in the file, received a file "
                    "without it (" + std::to_string(arrays.size()) + " arrays; is it from another architecture?)");
    if (it->second.shape() != w.shape())
      throw ShapeError(what + ": weight '" + path + "' expected shape " + w.shape().str() + ", received " +
                       it->second.shape().str());
  }
  if (by_path.size() != paths.size())
    for (const auto& [path, t] : by_path) {
      bool known = false;
      for (const auto& p : paths) known = known || p.first == path;
      if (!known)
        throw IOError(what + ": array '" + path + "' expected to be a weight of '" + layer.name() +
                      "', received a path the model does not have (is the file from another architecture?)");
    }
  return by_path;
}

template <class T>
void assign_weight_file(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays, const std::string& what) {
  const auto by_path = check_weight_file(layer, arrays, what);
  for (auto& [path, v] : weight_paths(layer)) v.assign(by_path.at(path));
}

template <class T>
std::map<std::string, Tensor<T>> named_weights(const Layer<T>& layer) {
  const auto ws = layer.weights();
  if (ws.empty())
    throw ValueError("'" + layer.name() + "': weights expected, received none (the model is not built: call it "
                     "on an input or build() it first)");
  std::map<std::string, Tensor<T>> out;
  for (const auto& w : ws)
    if (!out.emplace(w.name(), w.value()).second)
      throw ValueError("'" + layer.name() + "': weight names expected unique (they key the file), received '" +
                       w.name() + "' twice; give the layers distinct names");
  return out;
}

template <class T>
void check_named_weights(const Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                         const std::string& what) {
  const auto ws = layer.weights();
  if (ws.empty())
    throw ValueError("'" + layer.name() + "': weights expected, received none (the model is not built: call it "
                     "on an input or build() it first)");
  named_weights(layer);  // duplicate names
  for (const auto& w : ws) {
    auto it = arrays.find(w.name());
    if (it == arrays.end())
      throw IOError(what + ": weight '" + w.name() + "' of '" + layer.name() +
                    "' expected in the file, received a file without it (" + std::to_string(arrays.size()) +
                    " arrays; is it from another architecture?)");
    if (it->second.shape() != w.shape())
      throw ShapeError(what + ": weight '" + w.name() + "' expected shape " + w.shape().str() +
                       ", received " + it->second.shape().str());
  }
  if (arrays.size() != ws.size()) {
    for (const auto& [name, t] : arrays) {
      bool known = false;
      for (const auto& w : ws) known = known || w.name() == name;
      if (!known)
        throw IOError(what + ": array '" + name + "' expected to be a weight of '" + layer.name() +
                      "', received a name the model does not have (is the file from another architecture?)");
    }
  }
}

template <class T>
void assign_named_weights(Layer<T>& layer, const std::map<std::string, Tensor<T>>& arrays,
                          const std::string& what) {
  check_named_weights(layer, arrays, what);
  for (const auto& w : layer.weights()) {
    Variable<T> v = w;
    v.assign(arrays.at(w.name()));
  }
}

template <class T>
void save_weights(const Layer<T>& layer, const std::string& path) {
  io::save_npz<T>(path, path_weights(layer));
}

template <class T>
void load_weights(Layer<T>& layer, const std::string& path) {
  const auto arrays = read_weight_arrays<T>(path);
  if (arrays.count("checkpoint/meta"))
    throw IOError("load_weights('" + path + "'): expected a weights file, received a training checkpoint (it holds "
                  "checkpoint/meta): resume from it with load_checkpoint, or take its weights by saving them "
                  "after load_checkpoint");
  assign_weight_file(layer, arrays, "load_weights('" + path + "')");
}

#define LOOM_INSTANTIATE_WEIGHTS_IO(T)                                                           \
  template std::map<std::string, Tensor<T>> path_weights<T>(const Layer<T>&);                    \
  template std::map<std::string, Tensor<T>> check_weight_file<T>(                                \
      const Layer<T>&, const std::map<std::string, Tensor<T>>&, const std::string&);             \
  template void assign_weight_file<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&, const std::string&); \
  template std::map<std::string, Tensor<T>> named_weights<T>(const Layer<T>&);                   \
  template void check_named_weights<T>(const Layer<T>&, const std::map<std::string, Tensor<T>>&, \
                                       const std::string&);                                     \
  template void assign_named_weights<T>(Layer<T>&, const std::map<std::string, Tensor<T>>&,      \
                                        const std::string&);                                     \
  template void save_weights<T>(const Layer<T>&, const std::string&);                            \
  template void load_weights<T>(Layer<T>&, const std::string&);
LOOM_INSTANTIATE_WEIGHTS_IO(float)
LOOM_INSTANTIATE_WEIGHTS_IO(double)

}  // namespace loom
