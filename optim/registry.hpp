#pragma once
// The registries of optim/ (core/registry.hpp): optimizers, by scalar type, under Keras's module
// "keras.optimizers", and learning-rate schedules under "keras.optimizers.schedules". Each is filled
// with loom's own classes on first use, so serialize(opt) and from_config<Optimizer<float>>(j)
// (core/serialize.hpp) work for every built-in. A class of your own, as Keras's
// register_keras_serializable:
//   register_optimizer<MyOptimizer>("MyOptimizer");    // one scalar type
//   register_optimizer<MyOptimizerTemplate>("MyOpt");  // a class template: float and double
//   register_schedule<MySchedule>("MySchedule");
// The class provides get_config() and `static std::shared_ptr<C> from_config(const Config&)`.
// Include it (optim/optimizer_config.hpp does) wherever serialize / from_config meet these kinds,
// so that the specializations below are declared there.
#include <concepts>
#include <memory>
#include <string>
#include <typeindex>

#include "core/registry.hpp"

namespace loom::optimizers {
template <class T>
class Optimizer;
namespace schedules {
class LearningRateSchedule;
}
}  // namespace loom::optimizers

namespace loom {

template <>
Registry<optimizers::Optimizer<float>>& registry<optimizers::Optimizer<float>>();
template <>
Registry<optimizers::Optimizer<double>>& registry<optimizers::Optimizer<double>>();
template <>
Registry<optimizers::schedules::LearningRateSchedule>& registry<optimizers::schedules::LearningRateSchedule>();

}  // namespace loom

namespace loom::optimizers {

namespace detail {
template <class Base, class C>
void add_class(Registry<Base>& r, const std::string& name, bool builtin) {
  r.add(name, std::type_index(typeid(C)),
        [](const Config& c) -> std::shared_ptr<Base> { return C::from_config(c); }, builtin);
}
}  // namespace detail

// Registers O, derived from Optimizer<float> or Optimizer<double>, under name. A name or type
// registered already -> ValueError.
template <class O>
  requires(std::derived_from<O, Optimizer<float>> || std::derived_from<O, Optimizer<double>>)
void register_optimizer(const std::string& name) {
  if constexpr (std::derived_from<O, Optimizer<float>>)
    detail::add_class<Optimizer<float>, O>(registry<Optimizer<float>>(), name, false);
  else
    detail::add_class<Optimizer<double>, O>(registry<Optimizer<double>>(), name, false);
}

// Registers O<float> and O<double> under the same name.
template <template <class> class O>
void register_optimizer(const std::string& name) {
  register_optimizer<O<float>>(name);
  register_optimizer<O<double>>(name);
}

template <class S>
  requires std::derived_from<S, schedules::LearningRateSchedule>
void register_schedule(const std::string& name) {
  detail::add_class<schedules::LearningRateSchedule, S>(registry<schedules::LearningRateSchedule>(), name, false);
}

}  // namespace loom::optimizers
