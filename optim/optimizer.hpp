#pragma once
// Optimizer: the base of every optimizer, with Keras's apply_gradients. One step runs, in Keras's
// order: clip the gradients (clipvalue, then clipnorm per tensor, or global_clipnorm), decoupled
// weight decay, the optimizer's update, each variable's constraint, then iterations += 1. The
// learning rate (or schedule) is read at the step count before the increment. Nothing is recorded
// on any tape. get_config() / from_config give Keras 3's optimizer config (optim/optimizer_config.hpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "autograd/variable.hpp"
#include "core/tensor.hpp"
#include "core/config_fwd.hpp"
#include "optim/schedules.hpp"

namespace loom::optimizers {

// The arguments every Keras optimizer shares. Each optimizer's own options struct repeats them
// (designated initializers cannot reach into a base struct) and hands them over in this form.
struct CommonOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name;
};

// The shared fields of an optimizer's own options struct.
template <class Options>
CommonOptions common_options_of(const Options& o) {
  return {o.learning_rate, o.weight_decay, o.clipnorm, o.clipvalue, o.global_clipnorm, o.name};
}

template <class T = float>
class Optimizer {
 public:
  using serial_base = Optimizer<T>;  // core/serialize.hpp
  using State = std::map<std::string, Tensor<T>>;

  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One optimizer step. grads[i] belongs to variables[i]; an undefined gradient skips its variable
  // (Keras drops (None, var) pairs), but at least one must be defined. Empty lists are a no-op.
  // Throws ValueError on a count mismatch and ShapeError when a gradient's shape differs from its
  // variable's.
  void apply_gradients(const std::vector<Tensor<T>>& grads, const std::vector<Variable<T>>& variables);

  // Creates the slots (zeros, or the optimizer's initial value) of variables not seen before.
  // apply_gradients does this itself; call it to restore state before the first step.
  void build(const std::vector<Variable<T>>& variables);

  // Number of completed steps.
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t n);
  // The rate the next step will use: the constant, or the schedule at iterations().
  double learning_rate() const;
  const LearningRate& learning_rate_setting() const { return common_.learning_rate; }
  void set_learning_rate(LearningRate lr);

  const std::string& name() const { return common_.name; }
  // Keras 3's get_config(): name, learning_rate (a number, or the schedule's envelope), weight_decay,
  // clipnorm, global_clipnorm, clipvalue, then Keras's use_ema, ema_momentum,
  // ema_overwrite_frequency, loss_scale_factor and gradient_accumulation_steps at their defaults
  // (loom has none of them); each optimizer appends its own fields. The learning rate is the one
  // set now. A FunctionSchedule learning rate has no config: NotImplementedError.
  virtual Config get_config() const;
  const CommonOptions& common_options() const { return common_; }
  // Keras's slot names for this configuration, e.g. {"momentum", "velocity"} for Adam.
  const std::vector<std::string>& slot_names() const { return slot_names_; }
  // A slot of a variable the optimizer has built (a handle to the live tensor).
  Tensor<T> slot(const Variable<T>& variable, const std::string& slot_name) const;
  // The variables with slots, in the order the optimizer first saw them.
  std::vector<Variable<T>> variables() const;

  // Weight decay skips these variables, and those whose name matches (std::regex search) any of
  // var_names, as Keras's exclude_from_weight_decay.
  void exclude_from_weight_decay(const std::vector<Variable<T>>& var_list,
                                 const std::vector<std::string>& var_names = {});

  // Iterations and slots as named arrays: "iterations" (a scalar) and "<variable name>/<slot name>"
  // (a variable without a name is keyed "variable_<i>", i its position in variables()). Copies.
  // Throws ValueError when two variables share a name. With T = float, iterations round-trips
  // exactly up to 2^24 steps.
  State get_state() const;
  // Restores what get_state gave, for the variables already built; every key must be present,
  // with its shape, and no other. Throws ValueError / ShapeError naming the key.
  void set_state(const State& state);
  // build(variables), then set_state(state): restores into a fresh optimizer.
  void set_state(const State& state, const std::vector<Variable<T>>& variables);

 protected:
  Optimizer(std::string class_name, CommonOptions common, std::vector<std::string> slot_names);

  struct StepInfo {
    T learning_rate;           // cast to T, as Keras casts it to the variable's dtype
    std::int64_t local_step;   // iterations + 1
  };
  // The update of one variable: n elements of gradient g and value w, and one tensor per slot
  // (in slot_names() order), all contiguous and of w's shape.
  virtual void update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots, const StepInfo& info) = 0;
  // The value a fresh slot starts from (Adagrad's accumulator starts at 0.1).
  virtual T initial_slot_value(std::size_t /*slot*/) const { return T(0); }

  const std::string& class_name() const { return class_name_; }

 private:
  struct Entry {
    Variable<T> var;
    std::vector<Tensor<T>> slots;
    Tensor<T> clipped;        // scratch for the clipped gradient, made on first need
    signed char use_wd = -1;  // cached exclude_from_weight_decay decision; -1 = not yet known
  };
  Entry& entry_for(const Variable<T>& v);
  bool uses_weight_decay(Entry& e) const;
  std::string state_key(std::size_t i) const;

  std::string class_name_;
  CommonOptions common_;
  std::vector<std::string> slot_names_;
  std::int64_t iterations_ = 0;
  std::vector<Entry> entries_;
  std::unordered_map<std::uint64_t, std::size_t> index_;  // variable value id -> entries_ index
  std::vector<std::uint64_t> wd_excluded_ids_;
  std::vector<std::string> wd_excluded_patterns_;
  // Per-step scratch, kept to avoid allocating on every step.
  std::vector<std::size_t> active_;          // indices into the call's lists
  std::vector<std::size_t> active_entries_;  // matching indices into entries_
  std::vector<const T*> grad_ptrs_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace loom::optimizers
