// save_tfjs / load_tfjs: the folder (model.json and the shards) and the weights by TF.js's names.
#include "saving/tfjs.hpp"

#include <filesystem>
#include <map>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/bidirectional.hpp"
#include "layers/registry.hpp"
#include "saving/tfjs_detail.hpp"
#include "train/io/atomic_file.hpp"

namespace loom {

namespace tfjs_detail {

namespace {
std::string short_name(const std::string& full) {
  const auto slash = full.rfind('/');
  return slash == std::string::npos ? full : full.substr(slash + 1);
}
}  // namespace

// TF.js names a weight "<layer>/<weight>", the cell's weights by the RNN layer that holds it, and a
// Bidirectional's as "<bidirectional>/forward_<layer>/<weight>" and ".../backward_<layer>/...".
template <class T>
std::vector<std::pair<std::string, Variable<T>>> tfjs_weights(const Layer<T>& layer) {
  std::vector<std::pair<std::string, Variable<T>>> out;
  // Asked through the recurrent_layers() hook, not the layer's type: a layer made of a forward and
  // a backward recurrent half (Bidirectional) lists both.
  if (const auto halves = layer.recurrent_layers(); halves.size() == 2 && halves[0] != &layer) {
    const std::string inner = halves[0]->name();
    for (const auto& w : halves[0]->weights())
      out.emplace_back(layer.name() + "/forward_" + inner + "/" + short_name(w.name()), w);
    for (const auto& w : halves[1]->weights())
      out.emplace_back(layer.name() + "/backward_" + inner + "/" + short_name(w.name()), w);
  } else {
    for (const auto& w : layer.weights()) out.emplace_back(layer.name() + "/" + short_name(w.name()), w);
  }
  return out;
}

template std::vector<std::pair<std::string, Variable<float>>> tfjs_weights<float>(const Layer<float>&);
template std::vector<std::pair<std::string, Variable<double>>> tfjs_weights<double>(const Layer<double>&);

}  // namespace tfjs_detail

namespace {
// The TF.js converter's default shard size.
constexpr std::size_t kShardBytes = 4 * 1024 * 1024;
}  // namespace

template <class T>
void save_tfjs(const Sequential<T>& model, const std::string& dir) {
  using namespace tfjs_detail;
  if (!model.built())
    throw ValueError("save_tfjs('" + dir + "'): model '" + model.name() + "' expected to be built (TensorFlow.js "
                     "needs its input shape and weights), received an unbuilt model; call it or build() it first");
  Config topology = topology_to_tfjs(model.get_config());
  std::vector<WeightEntry> weights;
  for (const auto& layer : model.layers())
    for (const auto& [name, var] : tfjs_weights(*layer)) {
      const Tensor<T>& v = var.value();
      WeightEntry e{name, std::vector<std::size_t>(v.shape().begin(), v.shape().end()), {}};
      e.values.assign(v.data(), v.data() + v.size());  // float32 is what TF.js Layers holds
      weights.push_back(std::move(e));
    }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IOError("save_tfjs('" + dir + "'): folder expected to be creatable, received error " + ec.message());
  const Config manifest = write_shards(dir, weights, kShardBytes);
  const Config model_json = {{"modelTopology", topology},
                             {"format", "layers-model"},
                             {"generatedBy", "loom"},
                             {"convertedBy", nullptr},
                             {"weightsManifest", manifest}};
  io::write_file_atomic((std::filesystem::path(dir) / "model.json").string(), model_json.dump());
}

template <class T>
std::shared_ptr<Sequential<T>> load_tfjs(const std::string& dir) {
  using namespace tfjs_detail;
  const std::string json_path = (std::filesystem::path(dir) / "model.json").string();
  Config j;
  try {
    j = Config::parse(io::read_file(json_path));
  } catch (const Config::parse_error& e) {
    throw IOError("load_tfjs: '" + json_path + "' expected JSON, received text that does not parse (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("modelTopology"))
    throw IOError("load_tfjs: '" + json_path + "' expected an object with 'modelTopology', received " +
                  config::brief(j));
  if (j.contains("format") && j["format"] != "layers-model")
    throw NotImplementedError("load_tfjs: '" + json_path + "' format expected \"layers-model\", received " +
                              config::brief(j["format"]) + " (graph models have no layers to rebuild)");
  LoomTopology topo;
  try {
    topo = topology_from_tfjs(j["modelTopology"]);
  } catch (const Config::exception& e) {
    throw IOError("load_tfjs: '" + json_path + "' modelTopology expected Keras JSON of the types TensorFlow.js "
                  "writes, received a value of another type (" + e.what() + ")");
  }
  auto model = std::make_shared<Sequential<T>>(topo.name);
  for (const auto& env : topo.layers) model->add(from_config<Layer<T>>(env));
  model->build(topo.build_shape);

  std::map<std::string, WeightEntry> entries;
  if (j.contains("weightsManifest"))
    for (auto& w : read_shards(dir, j["weightsManifest"])) {
      const std::string name = w.name;
      if (!entries.emplace(name, std::move(w)).second)
        throw IOError("load_tfjs('" + dir + "'): weight names expected unique, received '" + name + "' twice");
    }
  std::vector<std::pair<Variable<T>, const WeightEntry*>> assign;
  for (const auto& layer : model->layers())
    for (const auto& [name, var] : tfjs_weights(*layer)) {
      const auto it = entries.find(name);
      if (it == entries.end())
        throw IOError("load_tfjs('" + dir + "'): weight '" + name + "' expected in the weightsManifest, received a "
                      "manifest without it");
      const Shape shape(it->second.shape);
      if (shape != var.shape())
        throw ShapeError("load_tfjs('" + dir + "'): weight '" + name + "' expected shape " + var.shape().str() +
                         ", received " + shape.str());
      assign.emplace_back(var, &it->second);
    }
  if (assign.size() != entries.size())
    for (const auto& [name, e] : entries) {
      bool used = false;
      for (const auto& a : assign) used = used || a.second == &e;
      if (!used)
        throw IOError("load_tfjs('" + dir + "'): weight '" + name + "' expected to belong to a layer of the "
                      "topology, received a weight no layer has");
    }
  for (auto& [var, e] : assign) {
    std::vector<T> values(e->values.begin(), e->values.end());
    var.assign(Tensor<T>(Shape(e->shape), values));
  }
  return model;
}

template void save_tfjs<float>(const Sequential<float>&, const std::string&);
template void save_tfjs<double>(const Sequential<double>&, const std::string&);
template std::shared_ptr<Sequential<float>> load_tfjs<float>(const std::string&);
template std::shared_ptr<Sequential<double>> load_tfjs<double>(const std::string&);

}  // namespace loom
