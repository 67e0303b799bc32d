// get_config / from_config of the schedules, with Keras 3's field names, order and defaults
// (keras/src/optimizers/schedules/learning_rate_schedule.py). from_config reads every field with
// config::Reader and refuses unknown ones; the constructor then checks the values.
#include <memory>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "optim/config_util.hpp"
#include "optim/schedules.hpp"

namespace loom::optimizers::schedules {

using detail::name_field;
using detail::optional_number;
using detail::optional_number_json;
using detail::required_numbers;
using detail::steps_json;

Config LearningRateSchedule::get_config() const {
  throw NotImplementedError("learning-rate schedule '" + class_name() +
                            "': get_config() expected to be overridden to be serializable, received the base "
                            "class's (a schedule of your own needs get_config, from_config and "
                            "register_schedule<" + class_name() + ">(\"" + class_name() + "\"))");
}

Config StepDecaySchedule::get_config() const {
  return {{"initial_learning_rate", lr0_},
          {"decay_steps", steps_json(decay_steps_)},
          {"decay_rate", decay_rate_},
          {"staircase", staircase_},
          {"name", name_}};
}

StepDecaySchedule::Args StepDecaySchedule::read_config(const Config& config, const char* class_name) {
  config::Reader r(config, std::string(class_name) + ".from_config");
  Args a{};
  a.initial_learning_rate = r.number("initial_learning_rate");
  a.decay_steps = r.number("decay_steps");
  a.decay_rate = r.number("decay_rate");
  a.staircase = r.boolean("staircase", false);
  a.name = name_field(r, "name", class_name);
  r.finish();
  return a;
}

std::shared_ptr<ExponentialDecay> ExponentialDecay::from_config(const Config& config) {
  auto a = read_config(config, "ExponentialDecay");
  return std::make_shared<ExponentialDecay>(a.initial_learning_rate, a.decay_steps, a.decay_rate, a.staircase,
                                            std::move(a.name));
}

std::shared_ptr<InverseTimeDecay> InverseTimeDecay::from_config(const Config& config) {
  auto a = read_config(config, "InverseTimeDecay");
  return std::make_shared<InverseTimeDecay>(a.initial_learning_rate, a.decay_steps, a.decay_rate, a.staircase,
                                            std::move(a.name));
}

Config PiecewiseConstantDecay::get_config() const {
  Config b = Config::array();
  for (double x : boundaries_) b.push_back(steps_json(x));
  return {{"boundaries", std::move(b)}, {"values", values_}, {"name", name_}};
}

std::shared_ptr<PiecewiseConstantDecay> PiecewiseConstantDecay::from_config(const Config& config) {
  config::Reader r(config, "PiecewiseConstantDecay.from_config");
  auto boundaries = required_numbers(r, "boundaries");
  auto values = required_numbers(r, "values");
  std::string name = name_field(r, "name", "PiecewiseConstant");
  r.finish();
  return std::make_shared<PiecewiseConstantDecay>(std::move(boundaries), std::move(values), std::move(name));
}

Config PolynomialDecay::get_config() const {
  return {{"initial_learning_rate", lr0_},
          {"decay_steps", steps_json(decay_steps_)},
          {"end_learning_rate", o_.end_learning_rate},
          {"power", o_.power},
          {"cycle", o_.cycle},
          {"name", o_.name}};
}

std::shared_ptr<PolynomialDecay> PolynomialDecay::from_config(const Config& config) {
  config::Reader r(config, "PolynomialDecay.from_config");
  const double lr0 = r.number("initial_learning_rate");
  const double decay_steps = r.number("decay_steps");
  PolynomialDecayOptions o;
  o.end_learning_rate = r.number("end_learning_rate", o.end_learning_rate);
  o.power = r.number("power", o.power);
  o.cycle = r.boolean("cycle", o.cycle);
  o.name = name_field(r, "name", o.name);
  r.finish();
  return std::make_shared<PolynomialDecay>(lr0, decay_steps, o);
}

Config CosineDecay::get_config() const {
  return {{"initial_learning_rate", lr0_},
          {"decay_steps", steps_json(decay_steps_)},
          {"alpha", o_.alpha},
          {"name", o_.name},
          {"warmup_target", optional_number_json(o_.warmup_target)},
          {"warmup_steps", steps_json(o_.warmup_steps)}};
}

std::shared_ptr<CosineDecay> CosineDecay::from_config(const Config& config) {
  config::Reader r(config, "CosineDecay.from_config");
  const double lr0 = r.number("initial_learning_rate");
  const double decay_steps = r.number("decay_steps");
  CosineDecayOptions o;
  o.alpha = r.number("alpha", o.alpha);
  o.name = name_field(r, "name", o.name);
  o.warmup_target = optional_number(r, "warmup_target", o.warmup_target);
  o.warmup_steps = r.number("warmup_steps", o.warmup_steps);
  r.finish();
  return std::make_shared<CosineDecay>(lr0, decay_steps, o);
}

Config CosineDecayRestarts::get_config() const {
  return {{"initial_learning_rate", lr0_},
          {"first_decay_steps", steps_json(first_decay_steps_)},
          {"t_mul", o_.t_mul},
          {"m_mul", o_.m_mul},
          {"alpha", o_.alpha},
          {"name", o_.name}};
}

std::shared_ptr<CosineDecayRestarts> CosineDecayRestarts::from_config(const Config& config) {
  config::Reader r(config, "CosineDecayRestarts.from_config");
  const double lr0 = r.number("initial_learning_rate");
  const double first_decay_steps = r.number("first_decay_steps");
  CosineDecayRestartsOptions o;
  o.t_mul = r.number("t_mul", o.t_mul);
  o.m_mul = r.number("m_mul", o.m_mul);
  o.alpha = r.number("alpha", o.alpha);
  o.name = name_field(r, "name", o.name);
  r.finish();
  return std::make_shared<CosineDecayRestarts>(lr0, first_decay_steps, o);
}

}  // namespace loom::optimizers::schedules
