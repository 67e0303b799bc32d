#pragma once
// Variable: named, trainable state (a layer's weights). A Variable is a handle: copies share the
// same state, as Python references to a tf.Variable do. Tapes watch trainable variables
// automatically, as tf.GradientTape does with watch_accessed_variables=True.
#include <functional>
#include <memory>
#include <string>

#include "core/tensor.hpp"

namespace loom {

template <class T = float>
class Variable {
 public:
  using Constraint = std::function<Tensor<T>(const Tensor<T>&)>;

  Variable() = default;
  explicit Variable(const Tensor<T>& initial, std::string name = "", bool trainable = true);

  bool defined() const { return st_ != nullptr; }
  const Tensor<T>& value() const;
  operator const Tensor<T>&() const { return value(); }
  const Shape& shape() const { return value().shape(); }
  const std::string& name() const;
  bool trainable() const;
  void set_trainable(bool on);

  // Writes new values in place: the identity (and so the tape's view of it) stays the same.
  // Throws ShapeError when the shape differs.
  void assign(const Tensor<T>& v);
  void assign_add(const Tensor<T>& v);
  void assign_sub(const Tensor<T>& v);

  // Applied by optimizers after each update, as Keras does.
  void set_constraint(Constraint c);
  const Constraint& constraint() const;

  // True when both handles refer to the same variable.
  bool same_as(const Variable& o) const { return st_ == o.st_; }

 private:
  struct State {
    Tensor<T> value;
    std::string name;
    bool trainable = true;
    Constraint constraint;
  };
  State& state() const;
  std::shared_ptr<State> st_;
};

extern template class Variable<float>;
extern template class Variable<double>;

}  // namespace loom
