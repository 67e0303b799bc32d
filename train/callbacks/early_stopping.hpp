#pragma once
// EarlyStopping with Keras 3's rules: an epoch improves when the monitored value beats the best by
// more than min_delta; training stops once `patience` epochs in a row have not improved (never at
// epoch 0). With restore_best_weights the weights of the best epoch are put back when training
// ends, whether or not it stopped early (Keras 3; tf.keras restored only on an early stop).
// Unlike Keras, which warns and does nothing, a monitor missing from the logs throws ValueError:
// the usual cause is monitoring "val_loss" without validation data.
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "train/callbacks/callback.hpp"
#include "train/callbacks/monitor.hpp"

namespace loom::callbacks {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  std::size_t patience = 0;
  int verbose = 0;
  std::string mode = "auto";
  // Training stops unless the monitor beats the baseline within `patience` epochs.
  std::optional<double> baseline;
  bool restore_best_weights = false;
  // Epochs before this one are not monitored (a warm-up).
  std::size_t start_from_epoch = 0;
};

template <class T = float>
class EarlyStopping : public Callback<T> {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(std::size_t epoch, Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  // 0-based epoch training stopped at (0 when it did not stop early), as Keras's stopped_epoch.
  std::size_t stopped_epoch() const { return stopped_epoch_; }
  std::size_t best_epoch() const { return best_epoch_; }
  double best() const { return best_; }
  std::size_t wait() const { return wait_; }

 private:
  EarlyStoppingOptions o_;
  Monitor monitor_;
  std::size_t wait_ = 0, stopped_epoch_ = 0, best_epoch_ = 0;
  double best_ = 0.0;
  bool has_best_ = false;
  std::vector<Tensor<T>> best_weights_;
};

extern template class EarlyStopping<float>;
extern template class EarlyStopping<double>;

}  // namespace loom::callbacks
