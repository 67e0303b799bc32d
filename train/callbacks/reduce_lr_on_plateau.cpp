#include "train/callbacks/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <iostream>

#include "core/errors.hpp"
#include "train/model.hpp"

namespace loom::callbacks {

template <class T>
ReduceLROnPlateau<T>::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : o_(std::move(options)), monitor_("ReduceLROnPlateau", o_.monitor, o_.mode, o_.min_delta) {
  if (!(o_.factor < 1.0) || !(o_.factor >= 0.0))
    throw ValueError("ReduceLROnPlateau: factor expected a value in [0, 1), received " +
                     std::to_string(o_.factor));
}

template <class T>
void ReduceLROnPlateau<T>::on_train_begin(const Logs&) {
  best_ = monitor_.worst();
  wait_ = cooldown_counter_ = 0;
}

template <class T>
void ReduceLROnPlateau<T>::on_epoch_end(std::size_t epoch, Logs& logs) {
  Model<T>* model = this->model();
  if (!model || !model->optimizer()) return;
  auto& opt = *model->optimizer();
  logs["learning_rate"] = opt.learning_rate();
  const auto current = monitor_.value(logs);
  if (!current) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("ReduceLROnPlateau: monitor expected one of the logged values [" + keys +
                     "], received '" + o_.monitor + "'");
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (monitor_.improves(*current, best_)) {
    best_ = *current;
    wait_ = 0;
    return;
  }
  if (cooldown_counter_ > 0) return;
  if (++wait_ < o_.patience) return;
  if (opt.learning_rate_setting().is_schedule())
    throw ValueError("ReduceLROnPlateau: the optimizer's learning rate expected a constant, received "
                     "a schedule (a schedule cannot be overridden)");
  const double old_lr = opt.learning_rate();
  // Keras compares against min_lr in float32.
  if (old_lr > static_cast<double>(static_cast<float>(o_.min_lr))) {
    const double new_lr = std::max(old_lr * o_.factor, o_.min_lr);
    opt.set_learning_rate(new_lr);
    if (o_.verbose > 0)
      std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to " << new_lr
                << "." << std::endl;
    cooldown_counter_ = o_.cooldown;
    wait_ = 0;
  }
}

template class ReduceLROnPlateau<float>;
template class ReduceLROnPlateau<double>;

}  // namespace loom::callbacks
