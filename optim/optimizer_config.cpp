#include "optim/optimizer_config.hpp"

#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "optim/config_util.hpp"

namespace loom::optimizers {

using detail::optional_number;
using detail::optional_number_json;

Config learning_rate_config(const LearningRate& lr, const std::string& who) {
  if (!lr.is_schedule()) return Config(lr.constant());
  const auto& s = *lr.schedule();
  if (dynamic_cast<const schedules::FunctionSchedule*>(&s))
    throw NotImplementedError(who + ".get_config: learning_rate expected a number or a serializable "
                              "LearningRateSchedule, received a C++ function (FunctionSchedule), which has no "
                              "config; write the schedule as a LearningRateSchedule class with get_config and "
                              "register_schedule<YourSchedule>(\"YourSchedule\")");
  return serialize(s);
}

CommonOptions read_common_options(config::Reader& r, CommonOptions o) {
  o.name = detail::name_field(r, "name", o.name);
  if (const Config* lr = r.raw("learning_rate")) {
    if (lr->is_number())
      o.learning_rate = lr->get<double>();
    else if (lr->is_object())
      o.learning_rate = from_config<schedules::LearningRateSchedule>(*lr);
    else
      throw ValueError(r.who() + ": config field 'learning_rate' expected a number or a serialized "
                       "LearningRateSchedule {\"class_name\": ..., \"config\": {...}}, received " +
                       config::brief(*lr));
  }
  o.weight_decay = optional_number(r, "weight_decay", o.weight_decay);
  o.clipnorm = optional_number(r, "clipnorm", o.clipnorm);
  o.global_clipnorm = optional_number(r, "global_clipnorm", o.global_clipnorm);
  o.clipvalue = optional_number(r, "clipvalue", o.clipvalue);
  r.unsupported("use_ema", {false});
  r.unsupported("ema_momentum", {0.99});
  r.unsupported("ema_overwrite_frequency", {nullptr});
  r.unsupported("loss_scale_factor", {nullptr});
  r.unsupported("gradient_accumulation_steps", {nullptr});
  return o;
}

template <class T>
Config Optimizer<T>::get_config() const {
  return {{"name", common_.name},
          {"learning_rate", learning_rate_config(common_.learning_rate, class_name_)},
          {"weight_decay", optional_number_json(common_.weight_decay)},
          {"clipnorm", optional_number_json(common_.clipnorm)},
          {"global_clipnorm", optional_number_json(common_.global_clipnorm)},
          {"clipvalue", optional_number_json(common_.clipvalue)},
          // Keras's, at their defaults: loom has no EMA, loss scaling or gradient accumulation.
          {"use_ema", false},
          {"ema_momentum", 0.99},
          {"ema_overwrite_frequency", nullptr},
          {"loss_scale_factor", nullptr},
          {"gradient_accumulation_steps", nullptr}};
}

template Config Optimizer<float>::get_config() const;
template Config Optimizer<double>::get_config() const;

}  // namespace loom::optimizers
