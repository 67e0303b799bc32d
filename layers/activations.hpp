#pragma once
// Activations by object or by Keras identifier ("tanh", "sigmoid", ...). An Activation is a
// stateless callable on tensors built from differentiable ops, so it enters gradients.
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/config_fwd.hpp"
#include "core/tensor.hpp"

namespace loom {

class Activation {
 public:
  using serial_base = const Activation;  // core/serialize.hpp
  virtual ~Activation();
  virtual Tensor<float> operator()(const Tensor<float>& x) const = 0;
  virtual Tensor<double> operator()(const Tensor<double>& x) const = 0;
  // The Keras identifier ("tanh", "linear", ...), which is also what get_config() reports.
  virtual std::string name() const = 0;
  // A registered user activation's config (register_activation); loom's own are written as their
  // identifier and have none.
  virtual Config get_config() const;
};
using ActivationPtr = std::shared_ptr<const Activation>;

// The Keras identifiers get_activation() knows, in the order its error message lists them.
const std::vector<std::string>& activation_names();
// Resolves a Keras identifier; "" and "linear" give the identity. Unknown -> ValueError naming
// the identifier and listing the valid ones. hard_sigmoid is tf.keras 2.x's clip(0.2x+0.5, 0, 1).
ActivationPtr get_activation(const std::string& id);

// What options structs take, so that `.activation = "tanh"`, `= nullptr` (Keras activation=None,
// the identity), `= my_ptr` and `= MyActivation{}` all work.
struct ActivationArg {
  ActivationArg(const char* id);
  ActivationArg(const std::string& id);
  ActivationArg(ActivationPtr p);
  ActivationArg(std::nullptr_t);
  template <class A>
    requires std::derived_from<A, Activation>
  ActivationArg(std::shared_ptr<A> p) : ActivationArg(ActivationPtr(std::move(p))) {}
  template <class A>
    requires std::derived_from<A, Activation> && std::copy_constructible<A>
  ActivationArg(const A& a) : ActivationArg(ActivationPtr(std::make_shared<A>(a))) {}
  ActivationPtr ptr;  // never null: nullptr becomes the linear activation
};

}  // namespace loom
