#pragma once
// Weight paths: each weight of a layer tree addressed by its place in the tree, as Keras 3's
// saving code addresses objects (saving_lib._save_container_state): the snake_case class name of
// every layer from the root down, with a counter per container for repeated classes, then the
// weight's own name. A Sequential of GRU, Bidirectional(GRU) and Dense gives
//   sequential/gru/gru_cell/kernel
//   sequential/bidirectional/gru/gru_cell/kernel      (forward half)
//   sequential/bidirectional/gru_1/gru_cell/kernel    (backward half)
//   sequential/dense/kernel
// Layer names never enter a path: they come from a per-process counter, so two instances of one
// architecture differ in names but not in paths, and their weight files are interchangeable.
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.hpp"
#include "layers/layer.hpp"

namespace loom {

// Keras's naming.to_snake_case: "GRUCell" -> "gru_cell", "StackedRNNCells" -> "stacked_rnn_cells".
std::string to_snake_case(const std::string& class_name);

// The class name a layer saves under: its registered name (layers/registry.hpp), else its C++
// class name without namespaces and template arguments, so that an unregistered user layer still
// has paths (a user Model subclass `Regressor` gives "Regressor").
template <class T>
std::string layer_class_name(const Layer<T>& layer);

// Every weight of `root` with its path, in Layer::weights() order (own weights first, then the
// tracked layers' in tracking order). The root's own name is the first segment. Paths are unique;
// a layer tracked twice in the tree is visited once, as Keras does.
template <class T>
std::vector<std::pair<std::string, Variable<T>>> weight_paths(const Layer<T>& root);

// Every layer of the tree with its path (the segments of weight_paths), root first, depth first,
// each layer once: where checkpoints keep a layer's extra_state().
template <class T>
std::vector<std::pair<std::string, Layer<T>*>> layer_paths(Layer<T>& root);
// The same for reading: the walk itself changes nothing.
template <class T>
std::vector<std::pair<std::string, const Layer<T>*>> layer_paths(const Layer<T>& root) {
  std::vector<std::pair<std::string, const Layer<T>*>> out;
  for (const auto& [path, layer] : layer_paths(const_cast<Layer<T>&>(root))) out.emplace_back(path, layer);
  return out;
}

extern template std::vector<std::pair<std::string, Layer<float>*>> layer_paths<float>(Layer<float>&);
extern template std::vector<std::pair<std::string, Layer<double>*>> layer_paths<double>(Layer<double>&);
extern template std::string layer_class_name<float>(const Layer<float>&);
extern template std::string layer_class_name<double>(const Layer<double>&);
extern template std::vector<std::pair<std::string, Variable<float>>> weight_paths<float>(const Layer<float>&);
extern template std::vector<std::pair<std::string, Variable<double>>> weight_paths<double>(const Layer<double>&);

}  // namespace loom
