#pragma once
// The pieces of a layer's config, written as Keras writes them and read back with the checks of
// config::Reader: an activation as its identifier ("tanh"; a registered user activation as its
// envelope), initializers, regularizers and constraints as envelopes (null for none), and the
// fields every layer has (name, trainable, dtype). A user's layer uses the same functions.
#include <string>

#include "core/config.hpp"
#include "layers/activations.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/layer.hpp"
#include "layers/regularizers.hpp"

namespace loom::config {

Config activation(const ActivationPtr& a);
Config initializer(const InitializerPtr& i);
Config regularizer(const RegularizerPtr& r);
Config constraint(const ConstraintPtr& c);

// Each reads `key` when present (leaving `out` at its default otherwise). Identifiers ("tanh",
// "glorot_uniform") are taken as Keras takes them; an envelope goes through the kind's registry.
void read(Reader& r, const std::string& key, ActivationArg& out);
void read(Reader& r, const std::string& key, InitializerArg& out);
void read(Reader& r, const std::string& key, RegularizerArg& out);
void read(Reader& r, const std::string& key, ConstraintArg& out);
inline void read(Reader& r, const std::string& key, bool& out) { out = r.boolean(key, out); }
inline void read(Reader& r, const std::string& key, double& out) { out = r.number(key, out); }
inline void read(Reader& r, const std::string& key, std::string& out) { out = r.string(key, out); }
inline void read(Reader& r, const std::string& key, std::optional<std::uint64_t>& out) {
  if (r.has(key)) out = r.seed(key);
}
void read(Reader& r, const std::string& key, int& out);

// The fields of Layer::get_config(): name, trainable and dtype. dtype must name T ("float32" for
// float, "float64" for double; Keras 3's DTypePolicy object is read too), else ValueError.
struct LayerBase {
  std::string name;
  bool trainable = true;
};
template <class T>
LayerBase read_layer_base(Reader& r);
extern template LayerBase read_layer_base<float>(Reader&);
extern template LayerBase read_layer_base<double>(Reader&);

// What every from_config ends with: unknown fields refused (Reader::finish), then the layer's
// trainable flag applied.
template <class L>
std::shared_ptr<L> finish_layer(std::shared_ptr<L> layer, const LayerBase& base) {
  layer->set_trainable(base.trainable);
  return layer;
}

}  // namespace loom::config
