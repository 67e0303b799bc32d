#include "optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <regex>
#include <set>

#include "autograd/no_grad.hpp"
#include "core/errors.hpp"
#include "core/checks.hpp"

namespace loom::optimizers {

template <class T>
Optimizer<T>::Optimizer(std::string class_name, CommonOptions common, std::vector<std::string> slot_names)
    : class_name_(std::move(class_name)), common_(std::move(common)), slot_names_(std::move(slot_names)) {
  set_learning_rate(common_.learning_rate);
  if (common_.weight_decay) check::non_negative(class_name_, "weight_decay", *common_.weight_decay);
  if (common_.clipnorm) check::positive_number(class_name_, "clipnorm", *common_.clipnorm);
  if (common_.clipvalue) check::positive_number(class_name_, "clipvalue", *common_.clipvalue);
  if (common_.global_clipnorm) check::positive_number(class_name_, "global_clipnorm", *common_.global_clipnorm);
  if (common_.clipnorm && common_.global_clipnorm)
    throw ValueError(class_name_ + ": arguments clipnorm and global_clipnorm expected at most one of them set, "
                     "received clipnorm=" + check::number(*common_.clipnorm) +
                     " and global_clipnorm=" + check::number(*common_.global_clipnorm));
}

template <class T>
Optimizer<T>::~Optimizer() = default;

template <class T>
void Optimizer<T>::set_learning_rate(LearningRate lr) {
  if (!lr.is_schedule()) check::non_negative(class_name_, "learning_rate", lr.constant());
  common_.learning_rate = std::move(lr);
}

template <class T>
double Optimizer<T>::learning_rate() const {
  return common_.learning_rate(iterations_);
}

template <class T>
void Optimizer<T>::set_iterations(std::int64_t n) {
  if (n < 0) check::fail(class_name_ + ".set_iterations", "iterations", "a count >= 0", std::to_string(n));
  iterations_ = n;
}

template <class T>
typename Optimizer<T>::Entry& Optimizer<T>::entry_for(const Variable<T>& v) {
  const auto id = v.value().id();
  if (auto it = index_.find(id); it != index_.end()) return entries_[it->second];
  Entry e;
  e.var = v;
  e.slots.reserve(slot_names_.size());
  for (std::size_t k = 0; k < slot_names_.size(); ++k)
    e.slots.push_back(Tensor<T>::full(v.shape(), initial_slot_value(k)));
  index_.emplace(id, entries_.size());
  entries_.push_back(std::move(e));
  return entries_.back();
}

template <class T>
void Optimizer<T>::build(const std::vector<Variable<T>>& variables) {
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (!variables[i].defined())
      throw ValueError(class_name_ + ".build: variables[" + std::to_string(i) +
                       "] expected a defined variable, received an empty handle");
    entry_for(variables[i]);
  }
}

template <class T>
bool Optimizer<T>::uses_weight_decay(Entry& e) const {
  if (e.use_wd < 0) {
    bool use = std::find(wd_excluded_ids_.begin(), wd_excluded_ids_.end(), e.var.value().id()) ==
               wd_excluded_ids_.end();
    for (const auto& p : wd_excluded_patterns_)
      if (use && std::regex_search(e.var.name(), std::regex(p))) use = false;
    e.use_wd = use ? 1 : 0;
  }
  return e.use_wd == 1;
}

template <class T>
void Optimizer<T>::exclude_from_weight_decay(const std::vector<Variable<T>>& var_list,
                                             const std::vector<std::string>& var_names) {
  for (const auto& p : var_names) {
    try {
      std::regex check(p);
    } catch (const std::regex_error& err) {
      throw ValueError(class_name_ + ".exclude_from_weight_decay: var_names expected regular expressions, "
                       "received '" + p + "' (" + err.what() + ")");
    }
    wd_excluded_patterns_.push_back(p);
  }
  for (const auto& v : var_list) wd_excluded_ids_.push_back(v.value().id());
  for (auto& e : entries_) e.use_wd = -1;
}

template <class T>
void Optimizer<T>::apply_gradients(const std::vector<Tensor<T>>& grads,
                                   const std::vector<Variable<T>>& variables) {
  // Built only on the error paths: a step allocates nothing in steady state.
  const auto who = [this] { return class_name_ + ".apply_gradients"; };
  if (grads.size() != variables.size())
    throw ValueError(who() + ": grads expected one gradient per variable (" + std::to_string(variables.size()) +
                     " variables), received " + std::to_string(grads.size()) + " gradients");
  if (grads.empty()) return;
  NoGradGuard no_grad;

  active_.clear();
  grad_ptrs_.clear();
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!variables[i].defined())
      throw ValueError(who() + ": variables[" + std::to_string(i) + "] expected a defined variable, received an "
                       "empty handle");
    if (!grads[i].defined()) continue;
    if (grads[i].shape() != variables[i].shape())
      throw ShapeError(who() + ": gradient " + std::to_string(i) + " for variable '" + variables[i].name() +
                       "' expected shape " + variables[i].shape().str() + ", received " +
                       grads[i].shape().str());
    active_.push_back(i);
  }
  if (active_.empty())
    throw ValueError(who() + ": No gradients provided for any variable (expected at least one defined gradient, "
                     "received " + std::to_string(grads.size()) + " undefined ones)");

  // Slots exist before anything is written, so a failure below leaves no half-built entry.
  active_entries_.clear();
  for (std::size_t i : active_) {
    const Entry& e = entry_for(variables[i]);
    active_entries_.push_back(static_cast<std::size_t>(&e - entries_.data()));
  }
  for (std::size_t a = 0; a < active_entries_.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (active_entries_[a] == active_entries_[b])
        throw ValueError(who() + ": variables expected each variable once, received '" +
                         variables[active_[a]].name() + "' twice");

  const double lr = learning_rate();
  if (!std::isfinite(lr) || lr < 0)
    throw ValueError(who() + ": learning_rate expected a finite rate >= 0 at step " + std::to_string(iterations_) +
                     ", received " + check::number(lr));
  const T lr_t = static_cast<T>(lr);

  // 1. Clipping, into per-variable scratch so the caller's gradients stay untouched.
  const bool clipping = common_.clipvalue || common_.clipnorm || common_.global_clipnorm;
  double global_sq = 0.0;
  for (std::size_t j = 0; j < active_.size(); ++j) {
    Entry& e = entries_[active_entries_[j]];
    const Tensor<T>& g = grads[active_[j]];
    if (!clipping) {
      grad_ptrs_.push_back(g.data());
      continue;
    }
    if (!e.clipped.defined() || e.clipped.shape() != g.shape()) e.clipped = Tensor<T>::empty(g.shape());
    T* c = e.clipped.data();
    const std::size_t n = g.size();
    std::memcpy(c, g.data(), n * sizeof(T));
    if (common_.clipvalue) {
      const T cv = static_cast<T>(*common_.clipvalue);
      for (std::size_t k = 0; k < n; ++k) c[k] = std::clamp(c[k], -cv, cv);
    }
    if (common_.clipnorm || common_.global_clipnorm) {
      double sq = 0.0;
      for (std::size_t k = 0; k < n; ++k) sq += static_cast<double>(c[k]) * c[k];
      if (common_.clipnorm) {
        // Keras's clip_by_norm: g * clipnorm / max(||g||, clipnorm).
        const T cn = static_cast<T>(*common_.clipnorm);
        const T denom = std::max(static_cast<T>(std::sqrt(sq)), cn);
        for (std::size_t k = 0; k < n; ++k) c[k] = c[k] * cn / denom;
      } else {
        global_sq += sq;
      }
    }
    grad_ptrs_.push_back(c);
  }
  if (common_.global_clipnorm) {
    // Keras's clip_by_global_norm: scale = c * min(1/norm, 1/c), NaN when the norm is not finite.
    const T cn = static_cast<T>(*common_.global_clipnorm);
    const T norm = static_cast<T>(std::sqrt(global_sq));
    const T scale = std::isfinite(norm) ? cn * std::min(T(1) / norm, T(1) / cn)
                                        : std::numeric_limits<T>::quiet_NaN();
    for (std::size_t j = 0; j < active_.size(); ++j) {
      T* c = const_cast<T*>(grad_ptrs_[j]);  // points into our own scratch when clipping
      for (std::size_t k = 0, n = grads[active_[j]].size(); k < n; ++k) c[k] *= scale;
    }
  }

  // 2. Decoupled weight decay at the current learning rate, before the update.
  if (common_.weight_decay) {
    const T wd = static_cast<T>(*common_.weight_decay);
    for (std::size_t j : active_entries_) {
      Entry& e = entries_[j];
      if (!uses_weight_decay(e)) continue;
      Tensor<T> value = e.var.value();  // shares the variable's storage: updated in place
      T* w = value.data();
      for (std::size_t k = 0, n = value.size(); k < n; ++k) w[k] = w[k] - w[k] * wd * lr_t;
    }
  }

  // 3. The update.
  const StepInfo info{lr_t, iterations_ + 1};
  for (std::size_t j = 0; j < active_.size(); ++j) {
    Entry& e = entries_[active_entries_[j]];
    Tensor<T> value = e.var.value();
    update_step(grad_ptrs_[j], value.data(), value.size(), e.slots.data(), info);
  }

  // 4. Constraints, after every variable of the step is updated (Keras 3).
  for (std::size_t i : active_) {
    const Variable<T>& v = variables[i];
    if (const auto& constraint = v.constraint()) {
      Variable<T> target = v;
      target.assign(constraint(v.value()));
    }
  }

  // 5.
  ++iterations_;
}

template <class T>
Tensor<T> Optimizer<T>::slot(const Variable<T>& variable, const std::string& slot_name) const {
  const auto it = index_.find(variable.value().id());
  if (it == index_.end())
    throw ValueError(class_name_ + ".slot: variable expected one this optimizer has built, received '" +
                     variable.name() + "'");
  for (std::size_t k = 0; k < slot_names_.size(); ++k)
    if (slot_names_[k] == slot_name) return entries_[it->second].slots[k];
  std::string names;
  for (const auto& s : slot_names_) names += (names.empty() ? "" : ", ") + s;
  throw ValueError(class_name_ + ".slot: slot_name expected one of {" + names + "}, received '" + slot_name + "'");
}

template <class T>
std::vector<Variable<T>> Optimizer<T>::variables() const {
  std::vector<Variable<T>> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.var);
  return out;
}

template <class T>
std::string Optimizer<T>::state_key(std::size_t i) const {
  const std::string& n = entries_[i].var.name();
  return n.empty() ? "variable_" + std::to_string(i) : n;
}

template <class T>
typename Optimizer<T>::State Optimizer<T>::get_state() const {
  State out;
  out.emplace("iterations", Tensor<T>::scalar(static_cast<T>(iterations_)));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const std::string key = state_key(i);
    if (!seen.insert(key).second)
      throw ValueError(class_name_ + ".get_state: variable names expected to be unique, received '" + key +
                       "' twice");
    for (std::size_t k = 0; k < slot_names_.size(); ++k)
      out.emplace(key + "/" + slot_names_[k], entries_[i].slots[k].clone());
  }
  return out;
}

template <class T>
void Optimizer<T>::set_state(const State& state) {
  const std::string who = class_name_ + ".set_state";
  // Check everything before writing anything, so a bad state changes nothing.
  const auto it = state.find("iterations");
  if (it == state.end()) throw ValueError(who + ": state expected the key 'iterations', received none");
  if (!it->second.defined() || it->second.size() != 1)
    throw ShapeError(who + ": state['iterations'] expected one element, received shape " +
                     (it->second.defined() ? it->second.shape().str() : std::string("(undefined)")));
  const double iters = static_cast<double>(it->second.data()[0]);
  if (!(iters >= 0) || std::floor(iters) != iters || iters > 9.0e18)
    check::fail(who, "state['iterations']", "a whole number >= 0", check::number(iters));

  std::size_t expected_keys = 1;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (std::size_t k = 0; k < slot_names_.size(); ++k, ++expected_keys) {
      const std::string key = state_key(i) + "/" + slot_names_[k];
      const auto s = state.find(key);
      if (s == state.end()) throw ValueError(who + ": state expected the key '" + key + "', received none");
      if (!s->second.defined() || s->second.shape() != entries_[i].slots[k].shape())
        throw ShapeError(who + ": state['" + key + "'] expected shape " + entries_[i].slots[k].shape().str() +
                         ", received " +
                         (s->second.defined() ? s->second.shape().str() : std::string("(undefined)")));
    }
  }
  if (state.size() != expected_keys) {
    std::set<std::string> known{"iterations"};
    for (std::size_t i = 0; i < entries_.size(); ++i)
      for (const auto& s : slot_names_) known.insert(state_key(i) + "/" + s);
    for (const auto& [key, _] : state)
      if (!known.count(key))
        throw ValueError(who + ": state expected only keys of built variables, received unknown key '" + key +
                         "' (build the optimizer for its variable first)");
  }

  for (std::size_t i = 0; i < entries_.size(); ++i)
    for (std::size_t k = 0; k < slot_names_.size(); ++k) {
      const Tensor<T>& src = state.at(state_key(i) + "/" + slot_names_[k]);
      std::memcpy(entries_[i].slots[k].data(), src.data(), src.size() * sizeof(T));
    }
  iterations_ = static_cast<std::int64_t>(iters);
}

template <class T>
void Optimizer<T>::set_state(const State& state, const std::vector<Variable<T>>& variables) {
  build(variables);
  set_state(state);
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace loom::optimizers
