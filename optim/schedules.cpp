#include "optim/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace loom::optimizers::schedules {


StepDecaySchedule::StepDecaySchedule(const char* class_name, Args args)
    : lr0_(args.initial_learning_rate),
      decay_steps_(args.decay_steps),
      decay_rate_(args.decay_rate),
      staircase_(args.staircase),
      name_(std::move(args.name)) {
  check::non_negative(class_name, "initial_learning_rate", lr0_);
  check::positive_number(class_name, "decay_steps", decay_steps_);
  check::non_negative(class_name, "decay_rate", decay_rate_);
}

double StepDecaySchedule::progress(std::int64_t step) const {
  const double p = static_cast<double>(step) / decay_steps_;
  return staircase_ ? std::floor(p) : p;
}

ExponentialDecay::ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                                   bool staircase, std::string name)
    : StepDecaySchedule("ExponentialDecay",
                        {initial_learning_rate, decay_steps, decay_rate, staircase, std::move(name)}) {}

double ExponentialDecay::operator()(std::int64_t step) const { return lr0_ * std::pow(decay_rate_, progress(step)); }

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                                   bool staircase, std::string name)
    : StepDecaySchedule("InverseTimeDecay",
                        {initial_learning_rate, decay_steps, decay_rate, staircase, std::move(name)}) {}

double InverseTimeDecay::operator()(std::int64_t step) const { return lr0_ / (1.0 + decay_rate_ * progress(step)); }

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<double> boundaries, std::vector<double> values,
                                               std::string name)
    : boundaries_(std::move(boundaries)), values_(std::move(values)), name_(std::move(name)) {
  if (values_.size() != boundaries_.size() + 1)
    throw ValueError("PiecewiseConstantDecay: argument values expected one more element than boundaries (" +
                     std::to_string(boundaries_.size() + 1) + "), received " +
                     std::to_string(values_.size()));
  for (std::size_t i = 1; i < boundaries_.size(); ++i)
    if (!(boundaries_[i] > boundaries_[i - 1]))
      throw ValueError("PiecewiseConstantDecay: argument boundaries expected strictly increasing values, "
                       "received " + check::number(boundaries_[i]) + " after " + check::number(boundaries_[i - 1]));
  for (double v : values_) check::non_negative("PiecewiseConstantDecay", "values", v);
}

double PiecewiseConstantDecay::operator()(std::int64_t step) const {
  const double x = static_cast<double>(step);
  // The first boundary with x <= b selects its value; beyond all of them, the last value.
  const auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), x);
  return values_[static_cast<std::size_t>(it - boundaries_.begin())];
}

PolynomialDecay::PolynomialDecay(double initial_learning_rate, double decay_steps,
                                 const PolynomialDecayOptions& options)
    : lr0_(initial_learning_rate), decay_steps_(decay_steps), o_(options) {
  check::non_negative("PolynomialDecay", "initial_learning_rate", lr0_);
  check::positive_number("PolynomialDecay", "decay_steps", decay_steps_);
  check::non_negative("PolynomialDecay", "end_learning_rate", o_.end_learning_rate);
  check::non_negative("PolynomialDecay", "power", o_.power);
}

double PolynomialDecay::operator()(std::int64_t step) const {
  double s = static_cast<double>(step);
  double ds = decay_steps_;
  if (o_.cycle) {
    ds *= (s == 0.0) ? 1.0 : std::ceil(s / ds);
  } else {
    s = std::min(s, ds);
  }
  const double p = s / ds;
  return (lr0_ - o_.end_learning_rate) * std::pow(1.0 - p, o_.power) + o_.end_learning_rate;
}

CosineDecay::CosineDecay(double initial_learning_rate, double decay_steps, const CosineDecayOptions& options)
    : lr0_(initial_learning_rate), decay_steps_(decay_steps), o_(options) {
  check::non_negative("CosineDecay", "initial_learning_rate", lr0_);
  check::positive_number("CosineDecay", "decay_steps", decay_steps_);
  check::non_negative("CosineDecay", "alpha", o_.alpha);
  check::non_negative("CosineDecay", "warmup_steps", o_.warmup_steps);
  if (o_.warmup_target) check::non_negative("CosineDecay", "warmup_target", *o_.warmup_target);
}

double CosineDecay::operator()(std::int64_t step) const {
  const auto decay = [&](double s, double from_lr) {
    const double completed = s / decay_steps_;
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * completed));
    return from_lr * ((1.0 - o_.alpha) * cosine + o_.alpha);
  };
  double s = static_cast<double>(step);
  if (!o_.warmup_target) return decay(std::min(s, decay_steps_), lr0_);
  const double target = *o_.warmup_target;
  s = std::min(s, decay_steps_ + o_.warmup_steps);
  if (s < o_.warmup_steps) return (target - lr0_) * (s / o_.warmup_steps) + lr0_;
  return decay(s - o_.warmup_steps, target);
}

CosineDecayRestarts::CosineDecayRestarts(double initial_learning_rate, double first_decay_steps,
                                         const CosineDecayRestartsOptions& options)
    : lr0_(initial_learning_rate), first_decay_steps_(first_decay_steps), o_(options) {
  check::non_negative("CosineDecayRestarts", "initial_learning_rate", lr0_);
  check::positive_number("CosineDecayRestarts", "first_decay_steps", first_decay_steps_);
  check::positive_number("CosineDecayRestarts", "t_mul", o_.t_mul);
  check::non_negative("CosineDecayRestarts", "m_mul", o_.m_mul);
  check::non_negative("CosineDecayRestarts", "alpha", o_.alpha);
}

double CosineDecayRestarts::operator()(std::int64_t step) const {
  double completed = static_cast<double>(step) / first_decay_steps_;
  double i_restart;
  const double t = o_.t_mul;
  if (t == 1.0) {
    i_restart = std::floor(completed);
    completed -= i_restart;
  } else {
    // Periods grow geometrically: restart i begins after (1 - t^i) / (1 - t) first periods.
    i_restart = std::floor(std::log(1.0 - completed * (1.0 - t)) / std::log(t));
    const double sum_r = (1.0 - std::pow(t, i_restart)) / (1.0 - t);
    completed = (completed - sum_r) / std::pow(t, i_restart);
  }
  const double m_fac = std::pow(o_.m_mul, i_restart);
  const double cosine = 0.5 * m_fac * (1.0 + std::cos(std::numbers::pi * completed));
  return lr0_ * ((1.0 - o_.alpha) * cosine + o_.alpha);
}

FunctionSchedule::FunctionSchedule(std::function<double(std::int64_t)> fn) : fn_(std::move(fn)) {
  if (!fn_) throw ValueError("FunctionSchedule: argument fn expected a callable, received an empty function");
}

}  // namespace loom::optimizers::schedules
