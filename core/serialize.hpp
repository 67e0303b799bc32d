#pragma once
// serialize / from_config: any registered object to Keras 3's envelope and back, through its
// kind's registry (core/registry.hpp). from_config<Layer<float>>(j), from_config<Initializer>(j),
// from_config<optimizers::Optimizer<float>>(j) all go through this one pair.
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <typeindex>

#include "core/config.hpp"
#include "core/registry.hpp"

namespace loom {

// The kind a class serializes as: each kind's base declares `using serial_base = <itself>`
// (Layer<T>, const Initializer, Optimizer<T>, ...), so serialize(Dense<float>(3)) finds the
// layer registry from the concrete type.
template <class C>
using serial_base_t = typename std::remove_const_t<C>::serial_base;

// obj.get_config() in its envelope, named by obj's registered dynamic type.
template <class C>
Config serialize(const C& obj) {
  using Base = serial_base_t<C>;
  auto& reg = registry<Base>();
  const std::string name = reg.name_of(obj, reg.kind());
  return config::envelope(reg.module(), name, obj.get_config(), reg.builtin(name) ? "" : name);
}

// Rebuilds an object from its envelope. A bad envelope, an unknown class or a bad field ->
// ValueError naming the class and the field; nothing is registered or changed then.
template <class Base>
std::shared_ptr<Base> from_config(const Config& envelope) {
  auto& reg = registry<Base>();
  const auto e = config::open_envelope(envelope, "from_config (" + reg.kind() + ")");
  // Keras writes the registered name for user classes; either spelling finds the class.
  const std::string& name = e.registered_name.empty() || !reg.contains(e.registered_name) ? e.class_name
                                                                                          : e.registered_name;
  return reg.create(name, *e.config);
}

// Registers C (derived from Base) under class_name. C provides
//   static std::shared_ptr<C> from_config(const Config& config);   // the inside of the envelope
// and get_config() (Keras's), as a Keras class provides from_config and get_config.
template <class Base, class C>
  requires std::derived_from<C, std::remove_const_t<Base>>
void register_class(const std::string& class_name, bool builtin = false) {
  registry<Base>().add(class_name, std::type_index(typeid(C)),
                       [](const Config& c) -> std::shared_ptr<Base> { return C::from_config(c); }, builtin);
}

}  // namespace loom
