#include "optim/registry.hpp"

#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/adamw.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedules.hpp"
#include "optim/sgd.hpp"

// The built-ins are added inside the function that makes each registry, on its first call: static
// registrar objects in the library would be dropped by the linker from a static libloom.a.
namespace loom {

namespace {

template <class T>
Registry<optimizers::Optimizer<T>>& optimizer_registry() {
  using Base = optimizers::Optimizer<T>;
  static Registry<Base> r("optimizer", "keras.optimizers");
  static const bool filled = [] {
    optimizers::detail::add_class<Base, optimizers::Adam<T>>(r, "Adam", true);
    optimizers::detail::add_class<Base, optimizers::AdamW<T>>(r, "AdamW", true);
    optimizers::detail::add_class<Base, optimizers::SGD<T>>(r, "SGD", true);
    optimizers::detail::add_class<Base, optimizers::RMSprop<T>>(r, "RMSprop", true);
    optimizers::detail::add_class<Base, optimizers::Adagrad<T>>(r, "Adagrad", true);
    return true;
  }();
  (void)filled;
  return r;
}

}  // namespace

template <>
Registry<optimizers::Optimizer<float>>& registry<optimizers::Optimizer<float>>() {
  return optimizer_registry<float>();
}

template <>
Registry<optimizers::Optimizer<double>>& registry<optimizers::Optimizer<double>>() {
  return optimizer_registry<double>();
}

template <>
Registry<optimizers::schedules::LearningRateSchedule>& registry<optimizers::schedules::LearningRateSchedule>() {
  namespace s = optimizers::schedules;
  using Base = s::LearningRateSchedule;
  static Registry<Base> r("schedule", "keras.optimizers.schedules");
  static const bool filled = [] {
    // FunctionSchedule (a C++ callable) is not here: it has no config to write.
    optimizers::detail::add_class<Base, s::ExponentialDecay>(r, "ExponentialDecay", true);
    optimizers::detail::add_class<Base, s::InverseTimeDecay>(r, "InverseTimeDecay", true);
    optimizers::detail::add_class<Base, s::PiecewiseConstantDecay>(r, "PiecewiseConstantDecay", true);
    optimizers::detail::add_class<Base, s::PolynomialDecay>(r, "PolynomialDecay", true);
    optimizers::detail::add_class<Base, s::CosineDecay>(r, "CosineDecay", true);
    optimizers::detail::add_class<Base, s::CosineDecayRestarts>(r, "CosineDecayRestarts", true);
    return true;
  }();
  (void)filled;
  return r;
}

}  // namespace loom
