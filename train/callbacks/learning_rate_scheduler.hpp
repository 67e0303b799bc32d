#pragma once
// LearningRateScheduler: at the start of every epoch the learning rate becomes
// schedule(epoch, current rate), epoch 0-based as in Keras; the rate is logged as "learning_rate".
#include <functional>

#include "train/callbacks/callback.hpp"

namespace loom::callbacks {

template <class T = float>
class LearningRateScheduler : public Callback<T> {
 public:
  using Schedule = std::function<double(std::size_t epoch, double lr)>;
  // A null schedule -> ValueError.
  explicit LearningRateScheduler(Schedule schedule, int verbose = 0);
  void on_epoch_begin(std::size_t epoch, const Logs& logs) override;
  void on_epoch_end(std::size_t epoch, Logs& logs) override;

 private:
  Schedule schedule_;
  int verbose_;
};

extern template class LearningRateScheduler<float>;
extern template class LearningRateScheduler<double>;

}  // namespace loom::callbacks
