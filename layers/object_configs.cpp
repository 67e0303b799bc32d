// Keras configs of initializers, regularizers, constraints and activations, and their registries
// (layers/registry.hpp), with Keras 3's field names (keras/src/initializers, regularizers,
// constraints get_config).
#include <functional>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"

namespace loom {

namespace {

Config seed_json(const std::optional<std::uint64_t>& s) { return s ? Config(*s) : Config(nullptr); }

template <class Base, class C, class F>
void add_builtin(Registry<Base>& reg, const std::string& name, F from_reader) {
  reg.add(name, std::type_index(typeid(C)),
          [name, from_reader](const Config& c) -> std::shared_ptr<Base> {
            config::Reader r(c, name);
            auto obj = from_reader(r);
            r.finish();
            return obj;
          },
          true);
}

}  // namespace

// ---- initializers ----------------------------------------------------------------------------

Config Initializer::get_config() const { return Config::object(); }
Config Constant::get_config() const { return {{"value", value}}; }
Config RandomNormal::get_config() const { return {{"mean", mean}, {"stddev", stddev}, {"seed", seed_json(seed)}}; }
Config RandomUniform::get_config() const {
  return {{"minval", minval}, {"maxval", maxval}, {"seed", seed_json(seed)}};
}
Config TruncatedNormal::get_config() const {
  return {{"mean", mean}, {"stddev", stddev}, {"seed", seed_json(seed)}};
}
Config VarianceScaling::get_config() const {
  return {{"scale", scale}, {"mode", mode}, {"distribution", distribution}, {"seed", seed_json(seed)}};
}
// Keras 3's Glorot/He/Lecun classes write only their seed; scale, mode and distribution are fixed.
#define LOOM_VS_CONFIG(Cls) \
  Config Cls::get_config() const { return {{"seed", seed_json(seed)}}; }
LOOM_VS_CONFIG(GlorotUniform)
LOOM_VS_CONFIG(GlorotNormal)
LOOM_VS_CONFIG(HeNormal)
LOOM_VS_CONFIG(HeUniform)
LOOM_VS_CONFIG(LecunNormal)
LOOM_VS_CONFIG(LecunUniform)
#undef LOOM_VS_CONFIG
Config Identity::get_config() const { return {{"gain", gain}}; }
Config Orthogonal::get_config() const { return {{"gain", gain}, {"seed", seed_json(seed)}}; }

template <>
Registry<const Initializer>& registry<const Initializer>() {
  static Registry<const Initializer>& reg = *[] {
    auto* r = new Registry<const Initializer>("initializer", "keras.initializers");
    using P = InitializerPtr;
    add_builtin<const Initializer, Zeros>(*r, "Zeros", [](config::Reader&) -> P { return std::make_shared<Zeros>(); });
    add_builtin<const Initializer, Ones>(*r, "Ones", [](config::Reader&) -> P { return std::make_shared<Ones>(); });
    add_builtin<const Initializer, Constant>(*r, "Constant", [](config::Reader& c) -> P {
      return std::make_shared<Constant>(c.number("value", 0.0));
    });
    add_builtin<const Initializer, RandomNormal>(*r, "RandomNormal", [](config::Reader& c) -> P {
      return std::make_shared<RandomNormal>(c.number("mean", 0.0), c.number("stddev", 0.05), c.seed("seed"));
    });
    add_builtin<const Initializer, RandomUniform>(*r, "RandomUniform", [](config::Reader& c) -> P {
      return std::make_shared<RandomUniform>(c.number("minval", -0.05), c.number("maxval", 0.05), c.seed("seed"));
    });
    add_builtin<const Initializer, TruncatedNormal>(*r, "TruncatedNormal", [](config::Reader& c) -> P {
      return std::make_shared<TruncatedNormal>(c.number("mean", 0.0), c.number("stddev", 0.05), c.seed("seed"));
    });
    add_builtin<const Initializer, VarianceScaling>(*r, "VarianceScaling", [](config::Reader& c) -> P {
      const double scale = c.number("scale", 1.0);
      const std::string mode = c.string("mode", "fan_in");
      const std::string dist = c.string("distribution", "truncated_normal");
      return std::make_shared<VarianceScaling>(scale, mode, dist, c.seed("seed"));
    });
#define LOOM_VS_FACTORY(Cls)                                                                    \
  add_builtin<const Initializer, Cls>(*r, #Cls, [](config::Reader& c) -> P {                    \
    return std::make_shared<Cls>(c.seed("seed"));                                               \
  });
    LOOM_VS_FACTORY(GlorotUniform)
    LOOM_VS_FACTORY(GlorotNormal)
    LOOM_VS_FACTORY(HeNormal)
    LOOM_VS_FACTORY(HeUniform)
    LOOM_VS_FACTORY(LecunNormal)
    LOOM_VS_FACTORY(LecunUniform)
#undef LOOM_VS_FACTORY
    add_builtin<const Initializer, Identity>(*r, "Identity", [](config::Reader& c) -> P {
      return std::make_shared<Identity>(c.number("gain", 1.0));
    });
    add_builtin<const Initializer, Orthogonal>(*r, "Orthogonal", [](config::Reader& c) -> P {
      const double gain = c.number("gain", 1.0);
      return std::make_shared<Orthogonal>(gain, c.seed("seed"));
    });
    return r;
  }();
  return reg;
}

// ---- regularizers ----------------------------------------------------------------------------

Config L1L2::get_config() const { return {{"l1", l1}, {"l2", l2}}; }
Config L1::get_config() const { return {{"l1", l1}}; }
Config L2::get_config() const { return {{"l2", l2}}; }

template <>
Registry<const Regularizer>& registry<const Regularizer>() {
  static Registry<const Regularizer>& reg = *[] {
    auto* r = new Registry<const Regularizer>("regularizer", "keras.regularizers");
    using P = RegularizerPtr;
    add_builtin<const Regularizer, L1L2>(*r, "L1L2", [](config::Reader& c) -> P {
      const double l1 = c.number("l1", 0.0);
      return std::make_shared<L1L2>(l1, c.number("l2", 0.0));
    });
    add_builtin<const Regularizer, L1>(*r, "L1", [](config::Reader& c) -> P {
      return std::make_shared<L1>(c.number("l1", 0.01));
    });
    add_builtin<const Regularizer, L2>(*r, "L2", [](config::Reader& c) -> P {
      return std::make_shared<L2>(c.number("l2", 0.01));
    });
    return r;
  }();
  return reg;
}

// ---- constraints -----------------------------------------------------------------------------

Config Constraint::get_config() const { return Config::object(); }
Config MaxNorm::get_config() const { return {{"max_value", max_value}, {"axis", axis}}; }
Config UnitNorm::get_config() const { return {{"axis", axis}}; }
Config MinMaxNorm::get_config() const {
  return {{"min_value", min_value}, {"max_value", max_value}, {"rate", rate}, {"axis", axis}};
}

template <>
Registry<const Constraint>& registry<const Constraint>() {
  static Registry<const Constraint>& reg = *[] {
    auto* r = new Registry<const Constraint>("constraint", "keras.constraints");
    using P = ConstraintPtr;
    add_builtin<const Constraint, MaxNorm>(*r, "MaxNorm", [](config::Reader& c) -> P {
      const double max_value = c.number("max_value", 2.0);
      return std::make_shared<MaxNorm>(max_value, static_cast<long>(c.integer("axis", 0)));
    });
    add_builtin<const Constraint, NonNeg>(*r, "NonNeg", [](config::Reader&) -> P { return std::make_shared<NonNeg>(); });
    add_builtin<const Constraint, UnitNorm>(*r, "UnitNorm", [](config::Reader& c) -> P {
      return std::make_shared<UnitNorm>(static_cast<long>(c.integer("axis", 0)));
    });
    add_builtin<const Constraint, MinMaxNorm>(*r, "MinMaxNorm", [](config::Reader& c) -> P {
      const double lo = c.number("min_value", 0.0), hi = c.number("max_value", 1.0), rate = c.number("rate", 1.0);
      return std::make_shared<MinMaxNorm>(lo, hi, rate, static_cast<long>(c.integer("axis", 0)));
    });
    return r;
  }();
  return reg;
}

// ---- activations -----------------------------------------------------------------------------

Config Activation::get_config() const { return Config::object(); }

// loom's own activations are identifiers, not classes, so this registry starts empty.
template <>
Registry<const Activation>& registry<const Activation>() {
  static Registry<const Activation> reg("activation", "keras.activations");
  return reg;
}

}  // namespace loom
