#include "train/callbacks/learning_rate_scheduler.hpp"

#include <cmath>
#include <iostream>

#include "core/errors.hpp"
#include "train/model.hpp"

namespace loom::callbacks {

template <class T>
LearningRateScheduler<T>::LearningRateScheduler(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  if (!schedule_)
    throw ValueError("LearningRateScheduler: schedule expected a function, received an empty one");
}

template <class T>
void LearningRateScheduler<T>::on_epoch_begin(std::size_t epoch, const Logs&) {
  Model<T>* model = this->model();
  if (!model || !model->optimizer()) return;
  auto& opt = *model->optimizer();
  if (opt.learning_rate_setting().is_schedule())
    throw ValueError("LearningRateScheduler: the optimizer's learning rate expected a constant, "
                     "received a schedule");
  const double lr = schedule_(epoch, opt.learning_rate());
  if (!std::isfinite(lr) || lr < 0.0)
    throw ValueError("LearningRateScheduler: schedule(" + std::to_string(epoch) +
                     ") expected a finite rate >= 0, received " + std::to_string(lr));
  opt.set_learning_rate(lr);
  if (verbose_ > 0)
    std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << lr
              << "." << std::endl;
}

template <class T>
void LearningRateScheduler<T>::on_epoch_end(std::size_t, Logs& logs) {
  if (Model<T>* model = this->model(); model && model->optimizer())
    logs["learning_rate"] = model->optimizer()->learning_rate();
}

template class LearningRateScheduler<float>;
template class LearningRateScheduler<double>;

}  // namespace loom::callbacks
