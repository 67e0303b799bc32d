#pragma once
// Weight constraints, by object or by Keras identifier ("max_norm", "non_neg", "unit_norm",
// "min_max_norm"). A constraint maps a weight to its projection; optimizers apply it after each
// update (Layer::add_weight installs it on the Variable via as_variable_constraint()).
// Norms are L2 over `axis` (negative counts from the end) with keepdims, and eps = 1e-7.
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "autograd/variable.hpp"
#include "core/config_fwd.hpp"
#include "core/tensor.hpp"

namespace loom {

class Constraint {
 public:
  using serial_base = const Constraint;  // core/serialize.hpp
  virtual ~Constraint();
  virtual Tensor<float> operator()(const Tensor<float>& w) const = 0;
  virtual Tensor<double> operator()(const Tensor<double>& w) const = 0;
  virtual std::string name() const = 0;  // Keras class name ("MaxNorm", ...)
  virtual std::string repr() const { return name(); }
  // Keras's get_config() ({"max_value": 2, "axis": 0} for MaxNorm).
  virtual Config get_config() const;
};
using ConstraintPtr = std::shared_ptr<const Constraint>;

inline constexpr double kConstraintEpsilon = 1e-7;

// w * clip(n, 0, max_value) / (eps + n)
struct MaxNorm : Constraint {
  explicit MaxNorm(double max_value = 2.0, long axis = 0) : max_value(max_value), axis(axis) {}
  Tensor<float> operator()(const Tensor<float>& w) const override;
  Tensor<double> operator()(const Tensor<double>& w) const override;
  std::string name() const override { return "MaxNorm"; }
  std::string repr() const override;
  Config get_config() const override;
  double max_value;
  long axis;
};
// max(w, 0)
struct NonNeg : Constraint {
  Tensor<float> operator()(const Tensor<float>& w) const override;
  Tensor<double> operator()(const Tensor<double>& w) const override;
  std::string name() const override { return "NonNeg"; }
};
// w / (eps + n)
struct UnitNorm : Constraint {
  explicit UnitNorm(long axis = 0) : axis(axis) {}
  Tensor<float> operator()(const Tensor<float>& w) const override;
  Tensor<double> operator()(const Tensor<double>& w) const override;
  std::string name() const override { return "UnitNorm"; }
  std::string repr() const override;
  Config get_config() const override;
  long axis;
};
// w * (rate * clip(n, min_value, max_value) + (1 - rate) * n) / (eps + n)
struct MinMaxNorm : Constraint {
  explicit MinMaxNorm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0, long axis = 0)
      : min_value(min_value), max_value(max_value), rate(rate), axis(axis) {}
  Tensor<float> operator()(const Tensor<float>& w) const override;
  Tensor<double> operator()(const Tensor<double>& w) const override;
  std::string name() const override { return "MinMaxNorm"; }
  std::string repr() const override;
  Config get_config() const override;
  double min_value, max_value, rate;
  long axis;
};

const std::vector<std::string>& constraint_names();
// "max_norm", "non_neg", "unit_norm", "min_max_norm" (defaults) and their class names.
// Unknown -> ValueError naming the identifier.
ConstraintPtr get_constraint(const std::string& id);

// The std::function a Variable holds, calling `c` (null c -> empty function).
template <class T>
typename Variable<T>::Constraint as_variable_constraint(ConstraintPtr c);
extern template Variable<float>::Constraint as_variable_constraint<float>(ConstraintPtr);
extern template Variable<double>::Constraint as_variable_constraint<double>(ConstraintPtr);

// What options structs take. Default and nullptr mean no constraint (ptr stays null).
struct ConstraintArg {
  ConstraintArg() = default;
  ConstraintArg(std::nullptr_t) {}
  ConstraintArg(const char* id);
  ConstraintArg(const std::string& id);
  ConstraintArg(ConstraintPtr p) : ptr(std::move(p)) {}
  template <class C>
    requires std::derived_from<C, Constraint>
  ConstraintArg(std::shared_ptr<C> p) : ptr(std::move(p)) {}
  template <class C>
    requires std::derived_from<C, Constraint> && std::copy_constructible<C>
  ConstraintArg(const C& c) : ptr(std::make_shared<C>(c)) {}
  ConstraintPtr ptr;
};

}  // namespace loom
