#pragma once
// Learning-rate schedules with Keras's formulas (keras.optimizers.schedules). A schedule maps the
// optimizer's step count (iterations before the update) to a learning rate. They compute in double
// and are not templated on the scalar type: the optimizer casts the result to its variables' type.
// Each has Keras's get_config() and a static from_config(config) (optim/schedules_config.cpp);
// optim/registry.hpp names them for serialize / from_config<LearningRateSchedule> (include it, or
// optim/optimizer_config.hpp, where you use those).
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config_fwd.hpp"

namespace loom::optimizers {
namespace schedules {

class LearningRateSchedule {
 public:
  using serial_base = LearningRateSchedule;  // core/serialize.hpp
  virtual ~LearningRateSchedule() = default;
  virtual double operator()(std::int64_t step) const = 0;
  // Keras's class name, e.g. "ExponentialDecay".
  virtual std::string class_name() const = 0;
  // Keras's get_config(). A schedule of your own overrides it (and provides a static from_config)
  // to be saved; this default throws NotImplementedError, as Keras's base class does.
  virtual Config get_config() const;
};

// The arguments, checks and config that ExponentialDecay and InverseTimeDecay share with Keras
// (initial_learning_rate, decay_steps, decay_rate, staircase, name); only the formula differs.
class StepDecaySchedule : public LearningRateSchedule {
 public:
  Config get_config() const override;

 protected:
  struct Args {
    double initial_learning_rate, decay_steps, decay_rate;
    bool staircase;
    std::string name;
  };
  StepDecaySchedule(const char* class_name, Args args);
  // from_config's reading of the shared fields; the name defaults to the class name.
  static Args read_config(const Config& config, const char* class_name);
  // step / decay_steps, floored when staircase.
  double progress(std::int64_t step) const;
  double lr0_, decay_steps_, decay_rate_;
  bool staircase_;
  std::string name_;
};

// lr0 * decay_rate ^ (step / decay_steps); the exponent is floored when staircase.
class ExponentialDecay final : public StepDecaySchedule {
 public:
  ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false, std::string name = "ExponentialDecay");
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "ExponentialDecay"; }
  static std::shared_ptr<ExponentialDecay> from_config(const Config& config);
};

// lr0 / (1 + decay_rate * step / decay_steps); the quotient is floored when staircase.
class InverseTimeDecay final : public StepDecaySchedule {
 public:
  InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false, std::string name = "InverseTimeDecay");
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "InverseTimeDecay"; }
  static std::shared_ptr<InverseTimeDecay> from_config(const Config& config);
};

// values[0] for step <= boundaries[0], values[i] for boundaries[i-1] < step <= boundaries[i],
// values.back() beyond the last boundary. Boundaries must increase strictly.
class PiecewiseConstantDecay final : public LearningRateSchedule {
 public:
  // name: Keras's default is "PiecewiseConstant", not the class name.
  PiecewiseConstantDecay(std::vector<double> boundaries, std::vector<double> values,
                         std::string name = "PiecewiseConstant");
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "PiecewiseConstantDecay"; }
  Config get_config() const override;
  static std::shared_ptr<PiecewiseConstantDecay> from_config(const Config& config);

 private:
  std::vector<double> boundaries_, values_;
  std::string name_;
};

struct PolynomialDecayOptions {
  double end_learning_rate = 0.0001;
  double power = 1.0;
  bool cycle = false;
  std::string name = "PolynomialDecay";
};

// (lr0 - end) * (1 - min(step, ds) / ds) ^ power + end. With cycle, ds grows to
// ds * ceil(step / ds) (times 1 at step 0) instead of step being capped.
class PolynomialDecay final : public LearningRateSchedule {
 public:
  PolynomialDecay(double initial_learning_rate, double decay_steps,
                  const PolynomialDecayOptions& options = {});
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "PolynomialDecay"; }
  Config get_config() const override;
  static std::shared_ptr<PolynomialDecay> from_config(const Config& config);

 private:
  double lr0_, decay_steps_;
  PolynomialDecayOptions o_;
};

struct CosineDecayOptions {
  double alpha = 0.0;
  std::optional<double> warmup_target;  // no warmup when unset
  double warmup_steps = 0;
  std::string name = "CosineDecay";
};

// lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, ds) / ds)) + alpha). With a warmup target,
// the rate first rises linearly from lr0 to the target over warmup_steps, then decays from the
// target over decay_steps.
class CosineDecay final : public LearningRateSchedule {
 public:
  CosineDecay(double initial_learning_rate, double decay_steps, const CosineDecayOptions& options = {});
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "CosineDecay"; }
  Config get_config() const override;
  static std::shared_ptr<CosineDecay> from_config(const Config& config);

 private:
  double lr0_, decay_steps_;
  CosineDecayOptions o_;
};

struct CosineDecayRestartsOptions {
  double t_mul = 2.0;
  double m_mul = 1.0;
  double alpha = 0.0;
  std::string name = "SGDRDecay";  // Keras's default
};

// SGDR (Loshchilov & Hutter), as keras.optimizers.schedules.CosineDecayRestarts.
class CosineDecayRestarts final : public LearningRateSchedule {
 public:
  CosineDecayRestarts(double initial_learning_rate, double first_decay_steps,
                      const CosineDecayRestartsOptions& options = {});
  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "CosineDecayRestarts"; }
  Config get_config() const override;
  static std::shared_ptr<CosineDecayRestarts> from_config(const Config& config);

 private:
  double lr0_, first_decay_steps_;
  CosineDecayRestartsOptions o_;
};

// A user function of the step, as Keras accepts a callable learning rate. It has no config: an
// optimizer using one cannot be serialized (NotImplementedError); a registered schedule class can.
class FunctionSchedule final : public LearningRateSchedule {
 public:
  explicit FunctionSchedule(std::function<double(std::int64_t)> fn);
  double operator()(std::int64_t step) const override { return fn_(step); }
  std::string class_name() const override { return "FunctionSchedule"; }

 private:
  std::function<double(std::int64_t)> fn_;
};

}  // namespace schedules

// An optimizer's learning rate: a constant or a schedule. Converts implicitly from a number, a
// schedule object, a shared_ptr to one, or a callable double(int64 step), so that options read
// `{.learning_rate = 0.01}` or `{.learning_rate = schedules::ExponentialDecay(0.1, 100, 0.9)}`.
class LearningRate {
 public:
  template <class N>
    requires std::is_arithmetic_v<N>
  LearningRate(N value) : value_(static_cast<double>(value)) {}

  template <class S>
    requires std::derived_from<S, schedules::LearningRateSchedule>
  LearningRate(S schedule) : schedule_(std::make_shared<S>(std::move(schedule))) {}

  template <class S>
    requires std::derived_from<S, schedules::LearningRateSchedule>
  LearningRate(std::shared_ptr<S> schedule) : schedule_(std::move(schedule)) {}

  template <class F>
    requires(!std::is_arithmetic_v<F> && !std::derived_from<F, schedules::LearningRateSchedule> &&
             std::is_invocable_r_v<double, const F&, std::int64_t>)
  LearningRate(F fn)
      : schedule_(std::make_shared<schedules::FunctionSchedule>(
            std::function<double(std::int64_t)>(std::move(fn)))) {}

  // The rate for the update that follows `step` completed updates.
  double operator()(std::int64_t step) const { return schedule_ ? (*schedule_)(step) : value_; }
  bool is_schedule() const { return schedule_ != nullptr; }
  // The constant value (meaningless for a schedule).
  double constant() const { return value_; }
  const std::shared_ptr<const schedules::LearningRateSchedule>& schedule() const { return schedule_; }

 private:
  double value_ = 0.0;
  std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
};

}  // namespace loom::optimizers
