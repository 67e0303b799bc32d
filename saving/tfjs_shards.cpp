// The weightsManifest and its binary shards, laid out as tf.io writes and reads them: each group's
// weights back to back as little-endian float32 in manifest order, the bytes cut into shards of
// at most max_shard_bytes (a weight may straddle two shards, as the TF.js converter writes them).
#include <bit>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"
#include "saving/tfjs_detail.hpp"
#include "train/io/atomic_file.hpp"

namespace loom::tfjs_detail {

static_assert(std::endian::native == std::endian::little, "the shards are little-endian float32");

namespace {

std::size_t count_of(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// A manifest path stays inside the model's folder.
std::string shard_path(const std::string& dir, const Config& p) {
  if (!p.is_string())
    throw IOError("load_tfjs('" + dir + "'): weightsManifest path expected a string, received " + config::brief(p));
  const std::filesystem::path rel(p.get<std::string>());
  bool escapes = rel.is_absolute() || rel.empty();
  for (const auto& part : rel) escapes = escapes || part == "..";
  if (escapes)
    throw IOError("load_tfjs('" + dir + "'): weightsManifest path expected a file name inside the folder, received '" +
                  p.get<std::string>() + "'");
  return (std::filesystem::path(dir) / rel).lexically_normal().string();
}

}  // namespace

Config write_shards(const std::string& dir, const std::vector<WeightEntry>& weights, std::size_t max_shard_bytes) {
  std::string bytes;
  Config specs = Config::array();
  for (const auto& w : weights) {
    bytes.append(reinterpret_cast<const char*>(w.values.data()), w.values.size() * sizeof(float));
    specs.push_back({{"name", w.name}, {"shape", w.shape}, {"dtype", "float32"}});
  }
  const std::size_t n = bytes.empty() ? 1 : (bytes.size() + max_shard_bytes - 1) / max_shard_bytes;
  Config paths = Config::array();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = "group1-shard" + std::to_string(i + 1) + "of" + std::to_string(n) + ".bin";
    const std::size_t begin = i * max_shard_bytes;
    io::write_file_atomic((std::filesystem::path(dir) / name).string(),
                          std::string_view(bytes).substr(begin, std::min(max_shard_bytes, bytes.size() - begin)));
    paths.push_back(name);
  }
  return Config::array({Config{{"paths", paths}, {"weights", specs}}});
}

std::vector<WeightEntry> read_shards(const std::string& dir, const Config& manifest) {
  const std::string what = "load_tfjs('" + dir + "')";
  if (!manifest.is_array())
    throw IOError(what + ": weightsManifest expected a list of groups, received " + config::brief(manifest));
  std::vector<WeightEntry> out;
  for (const auto& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
        !group["weights"].is_array())
      throw IOError(what + ": weightsManifest group expected {\"paths\": [...], \"weights\": [...]}, received " +
                    config::brief(group));
    std::string bytes, last_file;
    for (const auto& p : group["paths"]) {
      last_file = shard_path(dir, p);
      bytes += io::read_file(last_file);
    }
    std::size_t offset = 0;
    for (const auto& spec : group["weights"]) {
      if (!spec.is_object() || !spec.contains("name") || !spec["name"].is_string() || !spec.contains("shape") ||
          !spec["shape"].is_array())
        throw IOError(what + ": weight spec expected {\"name\", \"shape\", \"dtype\"}, received " + config::brief(spec));
      WeightEntry w;
      w.name = spec["name"].get<std::string>();
      for (const auto& d : spec["shape"]) {
        if (!d.is_number_unsigned())
          throw IOError(what + ": weight '" + w.name + "' shape expected non-negative integers, received " +
                        config::brief(spec["shape"]));
        w.shape.push_back(d.get<std::size_t>());
      }
      const std::string dtype = spec.value("dtype", "float32");
      if (dtype != "float32")
        throw NotImplementedError(what + ": weight '" + w.name + "' dtype expected float32, received '" + dtype + "'");
      if (spec.contains("quantization"))
        throw NotImplementedError(what + ": weight '" + w.name + "' expected unquantized float32, received quantization " +
                                  config::brief(spec["quantization"]));
      const std::size_t size = count_of(w.shape) * sizeof(float);
      if (offset + size > bytes.size())
        throw IOError(what + ": shard '" + last_file + "' expected at least " + std::to_string(offset + size) +
                      " bytes in its group (weight '" + w.name + "'), received " + std::to_string(bytes.size()) +
                      " (truncated?)");
      w.values.resize(count_of(w.shape));
      std::memcpy(w.values.data(), bytes.data() + offset, size);
      offset += size;
      out.push_back(std::move(w));
    }
    if (offset != bytes.size())
      throw IOError(what + ": shard '" + last_file + "' expected " + std::to_string(offset) +
                    " bytes in its group (the manifest's weights), received " + std::to_string(bytes.size()));
  }
  return out;
}

}  // namespace loom::tfjs_detail
