#pragma once
// History: records every epoch's logs (Keras's History callback). fit always adds one, last in the
// list, and returns what it recorded; a resumed fit starts it from the model's restored history.
#include "train/callbacks/callback.hpp"

namespace loom::callbacks {

template <class T = float>
class History : public Callback<T> {
 public:
  explicit History(loom::History initial = {}) : history_(std::move(initial)) {}
  void on_epoch_end(std::size_t epoch, Logs& logs) override;
  const loom::History& history() const { return history_; }

 private:
  loom::History history_;
};

extern template class History<float>;
extern template class History<double>;

}  // namespace loom::callbacks
