#include "train/weight_keys.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "core/errors.hpp"
#include "layers/weight_paths.hpp"

namespace loom {

namespace {

// A loom 0.1 key "lstm_cell_3/kernel" as (layer name without its counter, counter, weight name):
// ("lstm_cell", 3, "kernel"); a name without a counter has counter 0, as unique_layer_name counts.
struct LegacyKey {
  std::string base;
  unsigned long long rank = 0;
  std::string weight;
};

std::optional<LegacyKey> split_legacy(const std::string& key) {
  const auto slash = key.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) return std::nullopt;
  const std::string layer = key.substr(0, slash);
  LegacyKey k{layer, 0, key.substr(slash + 1)};
  const auto us = layer.rfind('_');
  if (us != std::string::npos && us > 0 && us + 1 < layer.size() && layer.size() - us - 1 <= 12 &&
      std::all_of(layer.begin() + static_cast<std::ptrdiff_t>(us) + 1, layer.end(),
                  [](unsigned char c) { return std::isdigit(c) != 0; })) {
    k.base = layer.substr(0, us);
    k.rank = std::stoull(layer.substr(us + 1));
  }
  return k;
}

}  // namespace

template <class T>
std::map<std::string, std::string> weight_file_keys(const Layer<T>& layer, const std::map<std::string, Shape>& keys,
                                                    const std::string& what) {
  const auto paths = weight_paths(layer);
  std::map<std::string, std::string> out;
  std::set<std::string> path_set;
  for (const auto& [p, v] : paths) path_set.insert(p);
  // loom 0.1 keys are "<layer name>/<weight name>"; a key with more segments is a path of another
  // model, which the caller's checks then report against this one's paths.
  const bool current = std::any_of(keys.begin(), keys.end(), [&](const auto& kv) {
    return path_set.count(kv.first) != 0 || std::count(kv.first.begin(), kv.first.end(), '/') != 1;
  });
  if (current || keys.empty()) {
    for (const auto& [key, shape] : keys) out.emplace(key, key);
    return out;
  }

  // 1. The variables' global names, all of them: the model was built as the file's was.
  std::map<std::string, std::string> by_name;
  for (const auto& [p, v] : paths) by_name.emplace(v.name(), p);
  if (keys.size() == paths.size() &&
      std::all_of(keys.begin(), keys.end(), [&](const auto& kv) { return by_name.count(kv.first) != 0; })) {
    for (const auto& [k, s] : keys) out.emplace(k, by_name.at(k));
    return out;
  }

  // 2. By rank within each (layer name without counter, weight name) group.
  const auto fail = [&](const std::string& key, const std::string& why) {
    return IOError(what + ": weight key '" + key + "' of a loom 0.1 file (keyed by layer names, no key is a "
                   "weight path of '" + layer.name() + "') expected to map to a weight of the model, received " +
                   why);
  };
  using Group = std::pair<std::string, std::string>;
  std::map<Group, std::vector<std::tuple<unsigned long long, std::string>>> file_groups;
  for (const auto& [k, s] : keys) {
    const auto lk = split_legacy(k);
    if (!lk) throw fail(k, "a key that is not '<layer name>/<weight name>'");
    file_groups[{lk->base, lk->weight}].emplace_back(lk->rank, k);
  }
  std::map<Group, std::vector<std::size_t>> model_groups;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto lk = split_legacy(paths[i].second.name());
    model_groups[lk ? Group{lk->base, lk->weight} : Group{paths[i].second.name(), ""}].push_back(i);
  }
  for (auto& [g, members] : file_groups) {
    std::sort(members.begin(), members.end());
    const auto it = model_groups.find(g);
    const std::size_t have = it == model_groups.end() ? 0 : it->second.size();
    if (have < members.size())
      throw fail(std::get<1>(members[have]), std::to_string(members.size()) + " keys '" + g.first + "[_N]/" +
                                                 g.second + "' for " + std::to_string(have) +
                                                 " such weights in the model (another architecture?)");
    if (have > members.size())
      throw IOError(what + ": weight '" + paths[it->second[members.size()]].first + "' expected in the loom 0.1 "
                    "file, received " + std::to_string(members.size()) + " keys '" + g.first + "[_N]/" + g.second +
                    "' for " + std::to_string(have) + " such weights in the model (another architecture?)");
    for (std::size_t j = 0; j < members.size(); ++j) {
      const auto& [path, var] = paths[it->second[j]];
      const std::string& key = std::get<1>(members[j]);
      if (keys.at(key) != var.shape())
        throw fail(key, "shape " + keys.at(key).str() + " for the weight '" + path + "' of shape " +
                            var.shape().str() + " it pairs with by rank");
      out.emplace(key, path);
    }
  }
  for (const auto& [g, idx] : model_groups)
    if (!file_groups.count(g))
      throw IOError(what + ": weight '" + paths[idx.front()].first + "' (variable '" +
                    paths[idx.front()].second.name() + "') expected in the loom 0.1 file, received a file without "
                    "any key '" + g.first + "[_N]/" + g.second + "' (" + std::to_string(keys.size()) + " arrays)");
  return out;
}

template std::map<std::string, std::string> weight_file_keys<float>(const Layer<float>&,
                                                                    const std::map<std::string, Shape>&,
                                                                    const std::string&);
template std::map<std::string, std::string> weight_file_keys<double>(const Layer<double>&,
                                                                     const std::map<std::string, Shape>&,
                                                                     const std::string&);

}  // namespace loom
