#include "train/callbacks/monitor.hpp"

#include <cmath>
#include <limits>

#include "core/errors.hpp"

namespace loom::callbacks {

Monitor::Monitor(std::string who, std::string monitor, const std::string& mode, double min_delta)
    : monitor_(std::move(monitor)), min_delta_(std::abs(min_delta)) {
  if (mode == "min") {
    maximize_ = false;
  } else if (mode == "max") {
    maximize_ = true;
  } else if (mode == "auto") {
    // Keras: accuracies and AUC are maximised, everything else (losses, errors) minimised.
    maximize_ = monitor_.find("acc") != std::string::npos || monitor_.find("auc") != std::string::npos;
  } else {
    throw ValueError(who + ": mode expected 'auto', 'min' or 'max', received '" + mode + "'");
  }
}

std::optional<double> Monitor::value(const Logs& logs) const {
  auto it = logs.find(monitor_);
  if (it == logs.end()) return std::nullopt;
  return it->second;
}

bool Monitor::improves(double current, double reference) const {
  if (!std::isfinite(current)) return false;
  return maximize_ ? current - min_delta_ > reference : current + min_delta_ < reference;
}

double Monitor::worst() const {
  return maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

}  // namespace loom::callbacks
