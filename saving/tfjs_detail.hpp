#pragma once
// Internals of saving/tfjs.*, shared by its .cpp files: the topology translation (Keras 3 configs
// that loom writes <-> the Keras 2 JSON that TensorFlow.js Layers writes), the weight names TF.js
// gives each layer, and the manifest and shards.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/shape.hpp"
#include "layers/layer.hpp"

namespace loom::tfjs_detail {

inline constexpr const char* kKerasVersion = "tfjs-layers 4.22.0";
inline constexpr const char* kBackend = "tensor_flow.js";

// One layer's inner config between the two spellings (to: loom -> TF.js); saving/tfjs_fields.cpp
// lists every field of every class. who names the layer in errors.
bool has_field_table(const std::string& class_name);
Config translate_fields(const std::string& class_name, const Config& config, const std::string& who, bool to);

// Keras 3 Sequential config (Sequential::get_config of a built model) -> TF.js modelTopology.
// Refusals name the layer and the option (NotImplementedError).
Config topology_to_tfjs(const Config& sequential_config);

// What a TF.js modelTopology describes, in loom's terms: the model's name, each layer as an
// envelope that from_config<Layer<T>> reads, and the input shape to build with (batch 1, unknown
// time steps 1, which builds the same weights).
struct LoomTopology {
  std::string name;
  std::vector<Config> layers;
  Shape build_shape;
};
LoomTopology topology_from_tfjs(const Config& model_topology);

// The layer's weights under the names TF.js gives them ("dense_Dense1/kernel",
// "bidirectional_1/forward_gru_1/recurrent_kernel"), in TF.js's order.
template <class T>
std::vector<std::pair<std::string, Variable<T>>> tfjs_weights(const Layer<T>& layer);

// One manifest entry with its float32 values.
struct WeightEntry {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<float> values;
};
// Writes the shards (group1-shard<i>of<n>.bin, at most max_shard_bytes each) into dir and returns
// the weightsManifest that names them.
Config write_shards(const std::string& dir, const std::vector<WeightEntry>& weights, std::size_t max_shard_bytes);
// Reads every group of a weightsManifest from dir; IOError names the file that is missing or short.
std::vector<WeightEntry> read_shards(const std::string& dir, const Config& manifest);

}  // namespace loom::tfjs_detail
