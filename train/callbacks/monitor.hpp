#pragma once
// The "monitor a logged value" logic EarlyStopping, ModelCheckpoint and ReduceLROnPlateau share:
// Keras's mode ("min", "max" or "auto": max for accuracies and AUC, min otherwise) and its
// improvement test with min_delta.
#include <optional>
#include <string>

#include "train/history.hpp"

namespace loom::callbacks {

class Monitor {
 public:
  // mode other than "min", "max", "auto" -> ValueError naming `who`; min_delta is taken as |min_delta|.
  Monitor(std::string who, std::string monitor, const std::string& mode, double min_delta = 0.0);

  const std::string& name() const { return monitor_; }
  bool maximize() const { return maximize_; }
  // The monitored value in logs, if present.
  std::optional<double> value(const Logs& logs) const;
  // Whether `current` beats `reference` by more than min_delta in the monitored direction. A
  // non-finite current never improves.
  bool improves(double current, double reference) const;
  // The worst possible value (+inf when minimizing).
  double worst() const;

 private:
  std::string monitor_;
  bool maximize_ = false;
  double min_delta_ = 0.0;
};

}  // namespace loom::callbacks
