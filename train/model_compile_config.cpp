// Model's compile config (Keras's get_compile_config / compile_from_config): what model.save
// (saving/) writes as "compile_config" so that load_model compiles the rebuilt model as it was.
#include <memory>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "optim/optimizer.hpp"
#include "optim/registry.hpp"
#include "train/model.hpp"

namespace loom {

template <class T>
Config Model<T>::get_compile_config() const {
  const std::string who = "Model '" + this->name() + "' get_compile_config";
  if (!compiled()) throw ValueError(who + ": a compiled model expected, received an uncompiled one");
  if (loss_identifier_.empty())
    throw ValueError(who + ": loss expected an identifier such as \"mse\" (loss objects have no config in loom), "
                     "received the object '" + loss_->name() + "'; compile with its identifier to save it");
  Config metrics = Config::array();
  for (std::size_t i = 0; i < metric_identifiers_.size(); ++i) {
    if (metric_identifiers_[i].empty())
      throw ValueError(who + ": metrics expected identifiers such as \"mae\" (metric objects have no config in "
                       "loom), received the object '" + metric_names_[i] + "'; compile with its identifier to "
                       "save it");
    metrics.push_back(metric_identifiers_[i]);
  }
  // Keras 3's SerializableDict of compile()'s arguments, in its spelling.
  Config c = Config::object();
  c["optimizer"] = serialize(*optimizer_);
  c["loss"] = loss_identifier_;
  c["loss_weights"] = nullptr;
  c["metrics"] = metrics.empty() ? Config(nullptr) : metrics;
  c["weighted_metrics"] = nullptr;
  c["run_eagerly"] = false;
  c["steps_per_execution"] = 1;
  c["jit_compile"] = false;
  return c;
}

template <class T>
void Model<T>::compile_from_config(const Config& config) {
  config::Reader r(config, "Model '" + this->name() + "' compile_from_config");
  const Config& opt = r.require("optimizer");
  const std::string loss = r.string("loss", "");
  if (loss.empty()) throw ValueError(r.who() + ": field 'loss' expected a loss identifier, received none");
  std::vector<MetricArg<T>> metrics;
  if (const Config* m = r.raw("metrics"); m && !m->is_null()) {
    if (!m->is_array())
      throw ValueError(r.who() + ": field 'metrics' expected a list of identifiers or null, received " +
                       config::brief(*m));
    for (const auto& e : *m) {
      if (!e.is_string())
        throw ValueError(r.who() + ": field 'metrics' expected identifiers (strings), received " + config::brief(e));
      metrics.emplace_back(e.template get<std::string>());
    }
  }
  r.unsupported("loss_weights", {nullptr});
  r.unsupported("weighted_metrics", {nullptr});
  r.unsupported("run_eagerly", {false});
  r.unsupported("steps_per_execution", {1});
  r.unsupported("jit_compile", {false, "auto"});
  r.finish();
  // compile() checks the loss and metrics before it changes anything.
  compile(from_config<optimizers::Optimizer<T>>(opt), loss, std::move(metrics));
}

template Config Model<float>::get_compile_config() const;
template Config Model<double>::get_compile_config() const;
template void Model<float>::compile_from_config(const Config&);
template void Model<double>::compile_from_config(const Config&);

}  // namespace loom
