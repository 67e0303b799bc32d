#pragma once
// ReduceLROnPlateau with Keras's rules: after `patience` epochs without an improvement of more than
// min_delta, the learning rate becomes max(lr * factor, min_lr), then `cooldown` epochs pass before
// counting again. It logs the rate of every epoch as "learning_rate" (Keras 3). The optimizer must
// use a constant learning rate (a schedule cannot be overridden): ValueError otherwise.
#include <string>

#include "train/callbacks/callback.hpp"
#include "train/callbacks/monitor.hpp"

namespace loom::callbacks {

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;  // must be < 1
  std::size_t patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double min_delta = 1e-4;
  std::size_t cooldown = 0;
  double min_lr = 0.0;
};

template <class T = float>
class ReduceLROnPlateau : public Callback<T> {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(std::size_t epoch, Logs& logs) override;

 private:
  ReduceLROnPlateauOptions o_;
  Monitor monitor_;
  double best_ = 0.0;
  std::size_t wait_ = 0, cooldown_counter_ = 0;
};

extern template class ReduceLROnPlateau<float>;
extern template class ReduceLROnPlateau<double>;

}  // namespace loom::callbacks
