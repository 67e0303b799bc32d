#include "layers/weight_paths.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <typeinfo>

#include "core/errors.hpp"
#include "layers/registry.hpp"

namespace loom {

std::string to_snake_case(const std::string& class_name) {
  // The three substitutions of keras/src/utils/naming.py, in its order.
  static const std::regex non_word(R"(\W+)"), word(R"((.)([A-Z][a-z]+))"), lower_upper(R"(([a-z])([A-Z]))");
  std::string s = std::regex_replace(class_name, non_word, "");
  s = std::regex_replace(s, word, "$1_$2");
  s = std::regex_replace(s, lower_upper, "$1_$2");
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

namespace {

// "loom::(anonymous namespace)::Outer<float>::MyLayer<float, 2>" -> "MyLayer": the last
// component once every template argument list (which may hold "::" itself) is dropped.
std::string bare_class_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  const std::string full = status == 0 && d ? std::string(d.get()) : std::string(type.name());
  std::string flat;
  int depth = 0;
  for (char c : full) {
    if (c == '<') ++depth;
    else if (c == '>') depth = depth > 0 ? depth - 1 : 0;
    else if (depth == 0) flat += c;
  }
  const auto colon = flat.rfind("::");
  return colon == std::string::npos ? flat : flat.substr(colon + 2);
}

template <class T>
void walk(const Layer<T>& layer, const std::string& path, std::set<const Layer<T>*>& visited,
          std::vector<std::pair<std::string, Variable<T>>>& out) {
  if (!visited.insert(&layer).second) return;
  // Own weights are what weights() lists before the tracked layers' (layers/layer.hpp).
  const auto all = layer.weights();
  std::size_t from_children = 0;
  for (const auto& c : layer.tracked_layers()) from_children += c->weights().size();
  const std::string prefix = layer.name() + "/";
  for (std::size_t i = 0; i + from_children < all.size(); ++i) {
    const std::string& n = all[i].name();
    // add_weight names a variable "<layer name>/<weight name>"; the weight name is what Keras keys.
    const std::string own = n.rfind(prefix, 0) == 0 ? n.substr(prefix.size()) : n.substr(n.rfind('/') + 1);
    out.emplace_back(path + "/" + own, all[i]);
  }
  std::map<std::string, std::size_t> used;
  for (const auto& c : layer.tracked_layers()) {
    std::string seg = to_snake_case(layer_class_name(*c));
    const auto [it, first] = used.emplace(seg, 0);
    if (!first) seg += "_" + std::to_string(++it->second);
    walk(*c, path + "/" + seg, visited, out);
  }
}

template <class T>
void walk_layers(Layer<T>& layer, const std::string& path, std::set<const Layer<T>*>& visited,
                 std::vector<std::pair<std::string, Layer<T>*>>& out) {
  if (!visited.insert(&layer).second) return;
  out.emplace_back(path, &layer);
  std::map<std::string, std::size_t> used;
  for (const auto& c : layer.tracked_layers()) {
    std::string seg = to_snake_case(layer_class_name(*c));
    const auto [it, first] = used.emplace(seg, 0);
    if (!first) seg += "_" + std::to_string(++it->second);
    walk_layers(*c, path + "/" + seg, visited, out);
  }
}

}  // namespace

template <class T>
std::vector<std::pair<std::string, Layer<T>*>> layer_paths(Layer<T>& root) {
  std::vector<std::pair<std::string, Layer<T>*>> out;
  std::set<const Layer<T>*> visited;
  walk_layers(root, to_snake_case(layer_class_name(root)), visited, out);
  return out;
}

template std::vector<std::pair<std::string, Layer<float>*>> layer_paths<float>(Layer<float>&);
template std::vector<std::pair<std::string, Layer<double>*>> layer_paths<double>(Layer<double>&);

template <class T>
std::string layer_class_name(const Layer<T>& layer) {
  const auto& reg = registry<Layer<T>>();
  return reg.contains_type(layer) ? reg.name_of(layer, layer.name()) : bare_class_name(typeid(layer));
}

template <class T>
std::vector<std::pair<std::string, Variable<T>>> weight_paths(const Layer<T>& root) {
  std::vector<std::pair<std::string, Variable<T>>> out;
  std::set<const Layer<T>*> visited;
  walk(root, to_snake_case(layer_class_name(root)), visited, out);
  std::set<std::string> seen;
  for (const auto& [path, v] : out)
    if (!seen.insert(path).second)
      throw ValueError("weight_paths('" + root.name() + "'): weight paths expected unique, received '" + path +
                       "' twice (a weight name that looks like a layer's counter suffix?)");
  return out;
}

template std::string layer_class_name<float>(const Layer<float>&);
template std::string layer_class_name<double>(const Layer<double>&);
template std::vector<std::pair<std::string, Variable<float>>> weight_paths<float>(const Layer<float>&);
template std::vector<std::pair<std::string, Variable<double>>> weight_paths<double>(const Layer<double>&);

}  // namespace loom
