#include "layers/layer_config.hpp"
#include <climits>

#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/registry.hpp"

namespace loom::config {

Config activation(const ActivationPtr& a) {
  if (!a) return "linear";
  // A user's registered activation is an object; loom's own are Keras identifiers.
  if (registry<const Activation>().contains_type(*a)) return serialize<const Activation>(*a);
  return a->name();
}
Config initializer(const InitializerPtr& i) { return i ? serialize<const Initializer>(*i) : Config(nullptr); }
Config regularizer(const RegularizerPtr& r) { return r ? serialize<const Regularizer>(*r) : Config(nullptr); }
Config constraint(const ConstraintPtr& c) { return c ? serialize<const Constraint>(*c) : Config(nullptr); }

namespace {
// Options structs turn a bad identifier into "<layer>: argument '<field>': ..."; a config field
// gets the same treatment under the reader's name.
template <class F>
auto named(Reader& r, const std::string& key, F f) {
  try {
    return f();
  } catch (const ValueError& e) {
    throw ValueError(r.who() + ": config field '" + key + "': " + e.what());
  }
}
}  // namespace

void read(Reader& r, const std::string& key, ActivationArg& out) {
  const Config* v = r.raw(key);
  if (!v) return;
  named(r, key, [&] {
    if (v->is_null()) out = ActivationArg(nullptr);
    else if (v->is_string()) out = ActivationArg(v->get<std::string>());
    else out = ActivationArg(from_config<const Activation>(*v));
    return 0;
  });
}
void read(Reader& r, const std::string& key, InitializerArg& out) {
  const Config* v = r.raw(key);
  if (!v) return;
  named(r, key, [&] {
    if (v->is_string()) out = InitializerArg(v->get<std::string>());
    else out = InitializerArg(from_config<const Initializer>(*v));
    return 0;
  });
}
void read(Reader& r, const std::string& key, RegularizerArg& out) {
  const Config* v = r.raw(key);
  if (!v) return;
  named(r, key, [&] {
    if (v->is_null()) out = RegularizerArg(nullptr);
    else if (v->is_string()) out = RegularizerArg(v->get<std::string>());
    else out = RegularizerArg(from_config<const Regularizer>(*v));
    return 0;
  });
}
void read(Reader& r, const std::string& key, ConstraintArg& out) {
  const Config* v = r.raw(key);
  if (!v) return;
  named(r, key, [&] {
    if (v->is_null()) out = ConstraintArg(nullptr);
    else if (v->is_string()) out = ConstraintArg(v->get<std::string>());
    else out = ConstraintArg(from_config<const Constraint>(*v));
    return 0;
  });
}
void read(Reader& r, const std::string& key, int& out) {
  const long long v = r.integer(key, out);
  if (v < INT_MIN || v > INT_MAX)
    throw ValueError(r.who() + ": config field '" + key + "' expected an int, received " + std::to_string(v));
  out = static_cast<int>(v);
}

template <class T>
LayerBase read_layer_base(Reader& r) {
  LayerBase b;
  b.name = r.string("name", "");
  b.trainable = r.boolean("trainable", true);
  const char* want = sizeof(T) == 4 ? "float32" : "float64";
  if (const Config* d = r.raw("dtype"); d && !d->is_null()) {
    std::string got;
    if (d->is_string()) {
      got = d->get<std::string>();
    } else {
      // Keras 3.2+: {"class_name": "DTypePolicy", "config": {"name": "float32"}}.
      const auto e = open_envelope(*d, r.who() + ": config field 'dtype'");
      Reader inner(*e.config, r.who() + " dtype");
      got = inner.string("name", "");
    }
    if (got != want)
      throw ValueError(r.who() + ": config field 'dtype' expected \"" + want + "\" (the layer's T), received \"" +
                       got + "\"");
  }
  return b;
}
template LayerBase read_layer_base<float>(Reader&);
template LayerBase read_layer_base<double>(Reader&);

}  // namespace loom::config
