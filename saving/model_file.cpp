#include "saving/model_file.hpp"

#include <ctime>
#include <exception>
#include <map>
#include <optional>
#include <vector>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "core/serialize.hpp"
#include "layers/registry.hpp"
#include "train/checkpoint.hpp"
#include "train/io/atomic_file.hpp"
#include "train/io/npz.hpp"
#include "train/io/zip.hpp"
#include "train/weights_io.hpp"

#ifndef LOOM_VERSION_STRING
#define LOOM_VERSION_STRING "unknown"
#endif

namespace loom {

namespace {

constexpr const char* kConfig = "config.json";
constexpr const char* kMetadata = "metadata.json";
constexpr const char* kWeights = "model.weights.npz";
constexpr const char* kTraining = "training_state.npz";

// Keras's date_saved spelling, in UTC.
std::string date_saved() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d@%H:%M:%S", &tm);
  return buf;
}

// Keras's build_config: one sample's shape with the batch axis as null.
Config build_config(const Shape& s) {
  Config shape = Config::array({nullptr});
  for (std::size_t i = 1; i < s.rank(); ++i) shape.push_back(s[i]);
  return Config{{"input_shape", shape}};
}

Shape read_build_config(const Config& c) {
  config::Reader r(c, "build_config");
  const Config& shape = r.require("input_shape");
  r.finish();
  if (!shape.is_array() || shape.empty())
    throw ValueError("build_config: field 'input_shape' expected a list of dimensions, received " +
                     config::brief(shape));
  Shape s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i == 0 && shape[i].is_null()) s.push_back(1);  // any batch size builds the same weights
    else if (shape[i].is_number_unsigned() && shape[i].get<std::size_t>() > 0 && shape[i].get<std::size_t>() < (1u << 24))
      s.push_back(shape[i].get<std::size_t>());
    else
      throw ValueError("build_config: field 'input_shape' expected positive dimensions (null for the batch), received " +
                       config::brief(shape));
  }
  return s;
}

// Runs one step of load_model; whatever it throws becomes IOError naming the file and the entry.
template <class F>
auto in_entry(const std::string& what, const std::string& entry, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    throw IOError(what + ": entry '" + entry + "': " + e.what());
  }
}

}  // namespace

template <class T>
void save_model(const Model<T>& model, const std::string& path) {
  const std::string who = "save_model('" + path + "')";
  if (!model.built() || model.weights().empty())
    throw ValueError(who + ": a built model expected, received '" + model.name() +
                     "' unbuilt (call it on an input or build() it first)");
  Config config = serialize<Layer<T>>(model);
  config["build_config"] = build_config(model.build_input_shape());
  if (model.compiled()) config["compile_config"] = model.get_compile_config();
  const Config metadata{{"loom_version", LOOM_VERSION_STRING}, {"date_saved", date_saved()}};

  std::vector<io::zip::Entry> entries{{kConfig, config.dump(2)}, {kMetadata, metadata.dump(2)}};
  entries.push_back({kWeights, io::npz_bytes<T>(path_weights(model))});
  if (model.compiled()) {
    // A checkpoint's arrays (one code path with load_checkpoint) without the weights, which are above.
    const CheckpointInfo info{model.history().epoch.empty() ? 0 : model.history().epoch.back() + 1, 0};
    auto arrays = checkpoint_arrays<T>(model, model.optimizer().get(), model.checkpoint_state(info));
    for (auto it = arrays.begin(); it != arrays.end();)
      it = it->first.rfind("weights/", 0) == 0 ? arrays.erase(it) : std::next(it);
    entries.push_back({kTraining, io::npz_bytes<T>(arrays)});
  }
  io::write_file_atomic(path, io::zip::write(entries, /*deflate=*/true));
}

template <class T>
std::shared_ptr<Model<T>> load_model(const std::string& path) {
  const std::string what = "load_model('" + path + "')";
  register_model_classes();
  const std::string bytes = io::read_file(path);
  std::map<std::string, std::string> files;
  for (auto& e : io::zip::read(bytes, path)) files.emplace(e.name, std::move(e.data));
  for (const char* name : {kConfig, kMetadata, kWeights})
    if (!files.count(name))
      throw IOError(what + ": entry '" + std::string(name) + "' expected in the archive, received an archive "
                    "without it (" + std::to_string(files.size()) + " entries; is it a loom model file?)");

  in_entry(what, kMetadata, [&] {
    const Config m = Config::parse(files.at(kMetadata));
    config::Reader r(m, "metadata");
    if (r.string("loom_version", "").empty())
      throw ValueError("metadata: field 'loom_version' expected the version that wrote the file, received none");
    r.string("date_saved", "");
    r.finish();
    return 0;
  });
  Config config = in_entry(what, kConfig, [&] { return Config::parse(files.at(kConfig)); });
  std::optional<Config> compile_config;
  const std::string rng_before = default_generator().state();
  try {
    auto model = in_entry(what, kConfig, [&] {
      if (!config.is_object()) throw ValueError("expected a model's envelope (a JSON object), received " + config::brief(config));
      std::optional<Shape> build_shape;
      if (auto it = config.find("build_config"); it != config.end()) {
        build_shape = read_build_config(*it);
        config.erase(it);
      }
      if (auto it = config.find("compile_config"); it != config.end()) {
        compile_config = *it;
        config.erase(it);
      }
      auto layer = from_config<Layer<T>>(config);
      auto m = std::dynamic_pointer_cast<Model<T>>(layer);
      if (!m)
        throw ValueError("class_name expected a model class (Sequential or a registered Model subclass), received '" +
                         config.value("class_name", std::string("?")) + "'");
      if (!m->built() && build_shape) m->build(*build_shape);
      if (!m->built()) throw ValueError("expected a built model (\"build_config\"), received a config without it");
      return m;
    });
    in_entry(what, kWeights, [&] {
      assign_weight_file(*model, io::load_npz_bytes<T>(files.at(kWeights), path + ":" + kWeights), "weights");
      return 0;
    });
    if (compile_config) {
      in_entry(what, kConfig, [&] {
        model->compile_from_config(*compile_config);
        return 0;
      });
      if (!files.count(kTraining))
        throw IOError(what + ": entry '" + std::string(kTraining) + "' expected in the archive of a compiled model, "
                      "received an archive without it");
      in_entry(what, kTraining, [&] {
        auto arrays = io::load_npz_bytes<T>(files.at(kTraining), path + ":" + kTraining);
        for (auto& [p, t] : path_weights(*model)) arrays.emplace("weights/" + p, t);
        model->restore_checkpoint_state(restore_checkpoint_arrays(*model, model->optimizer().get(), arrays,
                                                                  "training state"));
        return 0;
      });
    }
    return model;
  } catch (...) {
    default_generator().set_state(rng_before);
    throw;
  }
}

template <class T>
void Model<T>::save(const std::string& path) const {
  save_model(*this, path);
}

template void save_model<float>(const Model<float>&, const std::string&);
template void save_model<double>(const Model<double>&, const std::string&);
template std::shared_ptr<Model<float>> load_model<float>(const std::string&);
template std::shared_ptr<Model<double>> load_model<double>(const std::string&);
template void Model<float>::save(const std::string&) const;
template void Model<double>::save(const std::string&) const;

}  // namespace loom
