#pragma once
// The registries of the layers folder's kinds (core/registry.hpp): layers and cells, initializers,
// regularizers, constraints and activations, each filled with loom's own classes on first use.
// A user's class joins with register_layer<MyCell>("MyCell") (or register_initializer, ...), as
// Keras's register_keras_serializable; it then round-trips through serialize / from_config and
// gets clone(), Bidirectional's backward copy and whole-model saving like loom's own layers.
//
//   register_layer<MyCell>("MyCell");         // MyCell derives from Layer<float> (or RNNCell<float>)
//   register_layer<MyCellTemplate>("MyCell");  // a class template: registers <float> and <double>
//
// The class provides Keras's pair: get_config() and
//   static std::shared_ptr<MyCell> from_config(const Config& config);
#include <string>

#include "core/serialize.hpp"
#include "layers/activations.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/layer.hpp"
#include "layers/regularizers.hpp"

namespace loom {

template <>
Registry<Layer<float>>& registry<Layer<float>>();
template <>
Registry<Layer<double>>& registry<Layer<double>>();
template <>
Registry<const Initializer>& registry<const Initializer>();
template <>
Registry<const Regularizer>& registry<const Regularizer>();
template <>
Registry<const Constraint>& registry<const Constraint>();
template <>
Registry<const Activation>& registry<const Activation>();

template <class L>
void register_layer(const std::string& class_name) {
  register_class<Layer<typename L::value_type>, L>(class_name);
}
template <template <class> class L>
void register_layer(const std::string& class_name) {
  register_class<Layer<float>, L<float>>(class_name);
  register_class<Layer<double>, L<double>>(class_name);
}
template <class I>
void register_initializer(const std::string& class_name) {
  register_class<const Initializer, I>(class_name);
}
template <class R>
void register_regularizer(const std::string& class_name) {
  register_class<const Regularizer, R>(class_name);
}
template <class C>
void register_constraint(const std::string& class_name) {
  register_class<const Constraint, C>(class_name);
}
template <class A>
void register_activation(const std::string& class_name) {
  register_class<const Activation, A>(class_name);
}

}  // namespace loom
