#include "train/callbacks/early_stopping.hpp"

#include <iostream>

#include "core/errors.hpp"
#include "train/model.hpp"

namespace loom::callbacks {

namespace {
std::string logged_keys(const Logs& logs) {
  std::string keys;
  for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
  return keys;
}
}  // namespace

template <class T>
EarlyStopping<T>::EarlyStopping(EarlyStoppingOptions options)
    : o_(std::move(options)), monitor_("EarlyStopping", o_.monitor, o_.mode, o_.min_delta) {}

template <class T>
void EarlyStopping<T>::on_train_begin(const Logs&) {
  wait_ = stopped_epoch_ = best_epoch_ = 0;
  best_ = monitor_.worst();
  has_best_ = false;
  best_weights_.clear();
}

template <class T>
void EarlyStopping<T>::on_epoch_end(std::size_t epoch, Logs& logs) {
  const auto current = monitor_.value(logs);
  if (!current)
    throw ValueError("EarlyStopping: monitor expected one of the logged values [" + logged_keys(logs) +
                     "], received '" + o_.monitor + "' (monitor \"val_...\" needs validation data)");
  if (epoch < o_.start_from_epoch) return;
  Model<T>* model = this->model();
  auto snapshot = [&] {
    best_weights_.clear();
    for (const auto& w : model->weights()) best_weights_.push_back(w.value().clone());
  };
  // Keras keeps the first monitored epoch's weights even when it does not improve on anything.
  if (o_.restore_best_weights && best_weights_.empty() && model) snapshot();
  ++wait_;
  if (monitor_.improves(*current, has_best_ ? best_ : monitor_.worst())) {
    has_best_ = true;
    best_ = *current;
    best_epoch_ = epoch;
    if (o_.restore_best_weights && model) snapshot();
    if (!o_.baseline || monitor_.improves(*current, *o_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= o_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    if (model) {
      model->stop_training = true;
      model->set_stop_reason("EarlyStopping: '" + o_.monitor + "' did not improve for " +
                             std::to_string(wait_) + " epochs");
    }
  }
}

template <class T>
void EarlyStopping<T>::on_train_end(const Logs&) {
  if (stopped_epoch_ > 0 && o_.verbose > 0)
    std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping" << std::endl;
  Model<T>* model = this->model();
  if (!o_.restore_best_weights || best_weights_.empty() || !model) return;
  if (o_.verbose > 0)
    std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << "."
              << std::endl;
  auto ws = model->weights();
  if (ws.size() != best_weights_.size())
    throw RuntimeError("EarlyStopping: the model's weight count changed during training (expected " +
                       std::to_string(best_weights_.size()) + ", received " + std::to_string(ws.size()) + ")");
  for (std::size_t i = 0; i < ws.size(); ++i) ws[i].assign(best_weights_[i]);
}

template class EarlyStopping<float>;
template class EarlyStopping<double>;

}  // namespace loom::callbacks
