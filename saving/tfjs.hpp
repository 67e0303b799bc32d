#pragma once
// TensorFlow.js Layers format (what tf.io's file:// handler reads and writes): a folder with
// model.json, which holds the Keras 2 topology TensorFlow.js Layers uses ("modelTopology") and the
// manifest of the weights, and binary little-endian float32 shards named by the manifest.
//
//   loom::save_tfjs(model, "web_model");          // then, in JavaScript:
//                                                 // await tf.loadLayersModel('.../model.json')
//   auto m = loom::load_tfjs("tfjs_model");       // what TF.js's model.save('file://...') wrote
//
// Only what both sides implement crosses: an option TF.js lacks (GRU reset_after=true, a dropout
// seed on a cell, ...) is refused on save, and a TF.js field or class loom lacks is refused on load,
// with NotImplementedError naming the layer and the option; nothing is dropped. docs/interop.md,
// "TensorFlow.js", has the mapping.
#include <string>

#include "train/sequential.hpp"

namespace loom {

// Writes dir/model.json and dir/group1-shard1of1.bin (more shards past 4 MiB, as the TF.js
// converter splits them), each atomically; dir is created when missing. The model must be built.
// Weights are written as float32 (the only dtype TF.js Layers models hold).
template <class T>
void save_tfjs(const Sequential<T>& model, const std::string& dir);

// Reads dir/model.json and the shards its manifest names (any number of groups and shards),
// rebuilds the Sequential from the topology and assigns every weight by its TF.js name. A missing
// or short shard -> IOError naming the file; an unknown class or field -> NotImplementedError
// naming the layer and the field; a weight missing from the manifest or of another shape ->
// IOError / ShapeError naming the weight.
template <class T = float>
std::shared_ptr<Sequential<T>> load_tfjs(const std::string& dir);

extern template void save_tfjs<float>(const Sequential<float>&, const std::string&);
extern template void save_tfjs<double>(const Sequential<double>&, const std::string&);
extern template std::shared_ptr<Sequential<float>> load_tfjs<float>(const std::string&);
extern template std::shared_ptr<Sequential<double>> load_tfjs<double>(const std::string&);

}  // namespace loom
