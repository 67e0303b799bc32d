#pragma once
// TerminateOnNaN: stops fit at the first batch whose loss is NaN or infinite, with a message
// naming the epoch and batch. fit adds one by default (FitOptions::terminate_on_nan) and, while one
// is present, does not apply the bad batch's update, so the weights stay those of the last good
// step, and ModelCheckpoint never writes after a non-finite loss: the last good checkpoint stays.
#include <iosfwd>
#include <string>

#include "train/callbacks/callback.hpp"

namespace loom::callbacks {

template <class T = float>
class TerminateOnNaN : public Callback<T> {
 public:
  // The message goes to `out` (nullptr: std::cerr).
  explicit TerminateOnNaN(std::ostream* out = nullptr) : out_(out) {}
  void on_epoch_begin(std::size_t epoch, const Logs& logs) override;
  void on_train_batch_end(std::size_t batch, const Logs& logs) override;
  bool triggered() const { return triggered_; }
  bool stops_on_nan() const override { return true; }

 private:
  std::ostream* out_;
  std::size_t epoch_ = 0;
  bool triggered_ = false;
};

extern template class TerminateOnNaN<float>;
extern template class TerminateOnNaN<double>;

}  // namespace loom::callbacks
