#include "train/callbacks/history.hpp"

#include "train/model.hpp"

namespace loom::callbacks {

template <class T>
void History<T>::on_epoch_end(std::size_t epoch, Logs& logs) {
  history_.truncate(epoch);
  history_.append(epoch, logs);
  // The model's copy is what a checkpoint saves, so it must be current after every epoch.
  if (this->model()) this->model()->set_history(history_);
}

template class History<float>;
template class History<double>;

}  // namespace loom::callbacks
