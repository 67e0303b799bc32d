#include "train/callbacks/terminate_on_nan.hpp"

#include <cmath>
#include <iostream>
#include <sstream>

#include "train/model.hpp"

namespace loom::callbacks {

template <class T>
void TerminateOnNaN<T>::on_epoch_begin(std::size_t epoch, const Logs&) {
  epoch_ = epoch;
}

template <class T>
void TerminateOnNaN<T>::on_train_batch_end(std::size_t batch, const Logs& logs) {
  auto it = logs.find("loss");
  if (it == logs.end() || std::isfinite(it->second)) return;
  triggered_ = true;
  std::ostringstream msg;
  msg << "TerminateOnNaN: epoch " << epoch_ + 1 << ", batch " << batch + 1 << ": the loss is "
      << it->second << "; training stopped. The weights are those before this batch (its update "
      << "was not applied) and checkpoints written earlier are intact.";
  (out_ ? *out_ : std::cerr) << "\n" << msg.str() << std::endl;
  if (auto* m = this->model()) {
    m->stop_training = true;
    m->set_stop_reason(msg.str());
  }
}

template class TerminateOnNaN<float>;
template class TerminateOnNaN<double>;

}  // namespace loom::callbacks
