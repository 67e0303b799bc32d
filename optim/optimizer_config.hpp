#pragma once
// The config fields every Keras 3 optimizer shares (keras/src/optimizers/base_optimizer.py), for
// the optimizers' from_config and for optimizers of your own:
//
//   static std::shared_ptr<MyOpt> from_config(const Config& config) {
//     config::Reader r(config, "MyOpt.from_config");
//     MyOptOptions o;
//     optimizers::read_common_options(r, o);
//     o.scale = r.number("scale", o.scale);
//     r.finish();
//     return std::make_shared<MyOpt>(o);
//   }
#include "core/config.hpp"
#include "optim/optimizer.hpp"
#include "optim/registry.hpp"

namespace loom::optimizers {

// Reads name, learning_rate (a number, or a schedule's envelope rebuilt through
// registry<LearningRateSchedule>), weight_decay, clipnorm, global_clipnorm and clipvalue (each a
// number or null); fields absent keep `defaults`. Keras's use_ema, ema_momentum,
// ema_overwrite_frequency, loss_scale_factor and gradient_accumulation_steps are accepted only at
// their defaults (false, 0.99, null, null, null), else NotImplementedError naming the field.
CommonOptions read_common_options(config::Reader& r, CommonOptions defaults);

// The same into an optimizer's own options struct (the fields of CommonOptions, same names).
template <class Options>
void read_common_options(config::Reader& r, Options& o) {
  CommonOptions c = read_common_options(r, common_options_of(o));
  o.learning_rate = std::move(c.learning_rate);
  o.weight_decay = c.weight_decay;
  o.clipnorm = c.clipnorm;
  o.clipvalue = c.clipvalue;
  o.global_clipnorm = c.global_clipnorm;
  o.name = std::move(c.name);
}

// An optimizer's learning rate as Keras's get_config writes it; who names the optimizer in errors.
Config learning_rate_config(const LearningRate& lr, const std::string& who);

}  // namespace loom::optimizers
