#include "autograd/variable.hpp"

#include <algorithm>
#include <cstring>

#include "autograd/no_grad.hpp"
#include "core/errors.hpp"

namespace loom {

template <class T>
Variable<T>::Variable(const Tensor<T>& initial, std::string name, bool trainable)
    : st_(std::make_shared<State>()) {
  if (!initial.defined())
    throw ValueError("Variable '" + name + "': initial value expected a defined tensor, received an "
                     "undefined one");
  st_->value = initial.clone();
  st_->name = std::move(name);
  st_->trainable = trainable;
  st_->value.set_trainable_variable(trainable);
}

template <class T>
typename Variable<T>::State& Variable<T>::state() const {
  if (!st_) throw ValueError("Variable: expected a defined variable, received an empty handle");
  return *st_;
}

template <class T>
const Tensor<T>& Variable<T>::value() const {
  return state().value;
}
template <class T>
const std::string& Variable<T>::name() const {
  return state().name;
}
template <class T>
bool Variable<T>::trainable() const {
  return state().trainable;
}
template <class T>
void Variable<T>::set_trainable(bool on) {
  state().trainable = on;
  st_->value.set_trainable_variable(on);
}

namespace {
template <class T>
void check_same(const char* op, const std::string& name, const Tensor<T>& mine, const Tensor<T>& v) {
  if (!v.defined())
    throw ValueError(std::string("Variable::") + op + " '" + name +
                     "': expected a defined tensor, received an undefined one");
  if (mine.shape() != v.shape())
    throw ShapeError(std::string("Variable::") + op + " '" + name + "': expected shape " +
                     mine.shape().str() + ", received " + v.shape().str());
}
}  // namespace

template <class T>
void Variable<T>::assign(const Tensor<T>& v) {
  auto& s = state();
  check_same("assign", s.name, s.value, v);
  if (v.data() != s.value.data()) std::memmove(s.value.data(), v.data(), v.size() * sizeof(T));
}
template <class T>
void Variable<T>::assign_add(const Tensor<T>& v) {
  auto& s = state();
  check_same("assign_add", s.name, s.value, v);
  T* d = s.value.data();
  const T* p = v.data();
  for (std::size_t i = 0, n = v.size(); i < n; ++i) d[i] += p[i];
}
template <class T>
void Variable<T>::assign_sub(const Tensor<T>& v) {
  auto& s = state();
  check_same("assign_sub", s.name, s.value, v);
  T* d = s.value.data();
  const T* p = v.data();
  for (std::size_t i = 0, n = v.size(); i < n; ++i) d[i] -= p[i];
}

template <class T>
void Variable<T>::set_constraint(Constraint c) {
  state().constraint = std::move(c);
}
template <class T>
const typename Variable<T>::Constraint& Variable<T>::constraint() const {
  return state().constraint;
}

template class Variable<float>;
template class Variable<double>;

}  // namespace loom
