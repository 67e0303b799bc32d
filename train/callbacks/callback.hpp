#pragma once
// Callback: Keras's callback hooks. fit, evaluate and predict call them in Keras's order; a
// callback reaches its model through model() (set by fit before on_train_begin) and ends training
// by setting model()->stop_training. on_epoch_end's logs may be changed (ReduceLROnPlateau adds
// "learning_rate"); later callbacks and History see the change.
#include <cstddef>
#include <memory>
#include <vector>

#include "train/history.hpp"

namespace loom {
template <class T>
class Model;
}

namespace loom::callbacks {

template <class T = float>
class Callback {
 public:
  virtual ~Callback() = default;

  void set_model(Model<T>* model) { model_ = model; }
  Model<T>* model() const { return model_; }

  virtual void on_train_begin(const Logs& /*logs*/) {}
  virtual void on_train_end(const Logs& /*logs*/) {}
  virtual void on_epoch_begin(std::size_t /*epoch*/, const Logs& /*logs*/) {}
  virtual void on_epoch_end(std::size_t /*epoch*/, Logs& /*logs*/) {}
  virtual void on_train_batch_begin(std::size_t /*batch*/, const Logs& /*logs*/) {}
  virtual void on_train_batch_end(std::size_t /*batch*/, const Logs& /*logs*/) {}
  virtual void on_test_begin(const Logs& /*logs*/) {}
  virtual void on_test_end(const Logs& /*logs*/) {}
  virtual void on_test_batch_begin(std::size_t /*batch*/, const Logs& /*logs*/) {}
  virtual void on_test_batch_end(std::size_t /*batch*/, const Logs& /*logs*/) {}
  virtual void on_predict_begin(const Logs& /*logs*/) {}
  virtual void on_predict_end(const Logs& /*logs*/) {}
  virtual void on_predict_batch_begin(std::size_t /*batch*/, const Logs& /*logs*/) {}
  virtual void on_predict_batch_end(std::size_t /*batch*/, const Logs& /*logs*/) {}

  // Whether this callback ends fit at a non-finite loss (TerminateOnNaN). While one does, fit
  // leaves such a batch's update out, so the weights stay the last good step's, and adds no
  // TerminateOnNaN of its own (FitOptions::terminate_on_nan).
  virtual bool stops_on_nan() const { return false; }

 private:
  Model<T>* model_ = nullptr;
};

// Calls every callback's hook in list order (Keras's CallbackList).
template <class T = float>
class CallbackList {
 public:
  CallbackList(std::vector<std::shared_ptr<Callback<T>>> callbacks, Model<T>* model);

  void on_train_begin(const Logs& logs);
  void on_train_end(const Logs& logs);
  void on_epoch_begin(std::size_t epoch, const Logs& logs);
  void on_epoch_end(std::size_t epoch, Logs& logs);
  void on_train_batch_begin(std::size_t batch, const Logs& logs);
  void on_train_batch_end(std::size_t batch, const Logs& logs);
  void on_test_begin(const Logs& logs);
  void on_test_end(const Logs& logs);
  void on_test_batch_begin(std::size_t batch, const Logs& logs);
  void on_test_batch_end(std::size_t batch, const Logs& logs);
  void on_predict_begin(const Logs& logs);
  void on_predict_end(const Logs& logs);
  void on_predict_batch_begin(std::size_t batch, const Logs& logs);
  void on_predict_batch_end(std::size_t batch, const Logs& logs);

  const std::vector<std::shared_ptr<Callback<T>>>& callbacks() const { return cbs_; }

 private:
  std::vector<std::shared_ptr<Callback<T>>> cbs_;
};

extern template class Callback<float>;
extern template class Callback<double>;
extern template class CallbackList<float>;
extern template class CallbackList<double>;

}  // namespace loom::callbacks
