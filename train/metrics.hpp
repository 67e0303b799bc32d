#pragma once
// Keras metrics with streaming state: update_state() once per batch, result() for the value over
// every batch since the last reset_state(). State is kept in double and never touches a tape.
//
// Averaging follows Keras 3's Mean: per-sample values are averaged over their non-batch axes, and
// the result is sum(value * weight) / sum(weight) over samples (count of samples when unweighted).
// Everything lives in loom::metrics, as in keras.metrics.
// A sample_weight of shape (batch,) or the per-sample shape weights samples; pass a mask (1 kept,
// 0 dropped) as the sample_weight to ignore padded timesteps.
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace loom::metrics {

// Keras's Mean. It is not a Metric<T>: its update takes values, not (y_true, y_pred). fit uses it
// to track the loss.
template <class T = float>
class Mean {
 public:
  explicit Mean(std::string name = "mean") : name_(std::move(name)) {}
  void update_state(const Tensor<T>& values, const Tensor<T>& sample_weight = {});
  // The weighted mean so far, 0 before any update (Keras's divide_no_nan).
  double result() const { return count_ == 0.0 ? 0.0 : total_ / count_; }
  void reset_state() { total_ = count_ = 0.0; }
  const std::string& name() const { return name_; }
  double total() const { return total_; }
  double count() const { return count_; }
  // Replaces the accumulated state (data-parallel fit installs the sum over ranks).
  void set_state(double total, double count) {
    total_ = total;
    count_ = count;
  }

  // The same as update_state, from per-sample values already in double.
  void accumulate(const std::vector<double>& values, const Shape& shape, const Tensor<T>& sample_weight);

 private:
  std::string name_;
  double total_ = 0.0;
  double count_ = 0.0;
};

template <class T = float>
class Metric {
 public:
  explicit Metric(std::string name) : name_(std::move(name)) {}
  virtual ~Metric() = default;
  virtual void update_state(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                            const Tensor<T>& sample_weight = {}) = 0;
  virtual double result() const = 0;
  virtual void reset_state() = 0;
  const std::string& name() const { return name_; }

  // The accumulated state as numbers that add up across processes (Keras's metric variables,
  // which tf.distribute sums over replicas before result()). A data-parallel fit sums them over
  // ranks, sets the sum, reads result() and puts the local state back. The defaults throw
  // NotImplementedError naming the metric: a custom metric overrides both to be used there.
  virtual std::vector<double> state() const;
  virtual void set_state(const std::vector<double>& state);

 private:
  std::string name_;
};

// The shared form of the metrics below: a per-sample value from (y_true, y_pred), then a Mean.
template <class T = float>
class MeanMetricWrapper : public Metric<T> {
 public:
  explicit MeanMetricWrapper(std::string name) : Metric<T>(name), mean_(name) {}
  void update_state(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                    const Tensor<T>& sample_weight = {}) override;
  double result() const override { return mean_.result(); }
  void reset_state() override { mean_.reset_state(); }
  // {total, count}.
  std::vector<double> state() const override { return {mean_.total(), mean_.count()}; }
  void set_state(const std::vector<double>& state) override;

 protected:
  // Fills per-sample values and their shape. Throws ShapeError naming the metric and both shapes.
  virtual void values(const Tensor<T>& y_true, const Tensor<T>& y_pred, std::vector<double>& out,
                      Shape& shape) const = 0;

 private:
  Mean<T> mean_;
};

// mean((y_pred - y_true)^2) over the last axis, per sample.
template <class T = float>
class MeanSquaredError : public MeanMetricWrapper<T> {
 public:
  explicit MeanSquaredError(std::string name = "mean_squared_error")
      : MeanMetricWrapper<T>(std::move(name)) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

template <class T = float>
class MeanAbsoluteError : public MeanMetricWrapper<T> {
 public:
  explicit MeanAbsoluteError(std::string name = "mean_absolute_error")
      : MeanMetricWrapper<T>(std::move(name)) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

// sqrt of the mean squared error over every element seen (not the mean of per-batch roots).
template <class T = float>
class RootMeanSquaredError : public MeanMetricWrapper<T> {
 public:
  explicit RootMeanSquaredError(std::string name = "root_mean_squared_error")
      : MeanMetricWrapper<T>(std::move(name)) {}
  double result() const override;

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

// Fraction of elements where y_pred equals y_true exactly.
template <class T = float>
class Accuracy : public MeanMetricWrapper<T> {
 public:
  explicit Accuracy(std::string name = "accuracy") : MeanMetricWrapper<T>(std::move(name)) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

// Fraction of elements where (y_pred > threshold) equals y_true.
template <class T = float>
class BinaryAccuracy : public MeanMetricWrapper<T> {
 public:
  explicit BinaryAccuracy(double threshold = 0.5, std::string name = "binary_accuracy")
      : MeanMetricWrapper<T>(std::move(name)), threshold_(threshold) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;

 private:
  double threshold_;
};

// argmax(y_true) == argmax(y_pred) over the last axis (ties go to the first maximum).
template <class T = float>
class CategoricalAccuracy : public MeanMetricWrapper<T> {
 public:
  explicit CategoricalAccuracy(std::string name = "categorical_accuracy")
      : MeanMetricWrapper<T>(std::move(name)) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

// y_true holds class ids of shape y_pred.shape[:-1] (or with a trailing 1).
template <class T = float>
class SparseCategoricalAccuracy : public MeanMetricWrapper<T> {
 public:
  explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy")
      : MeanMetricWrapper<T>(std::move(name)) {}

 protected:
  void values(const Tensor<T>&, const Tensor<T>&, std::vector<double>&, Shape&) const override;
};

// A metric from a Keras identifier: "mse"/"mean_squared_error", "mae"/"mean_absolute_error",
// "rmse"/"root_mean_squared_error", "accuracy"/"acc", "binary_accuracy",
// "categorical_accuracy", "sparse_categorical_accuracy". Unknown names throw ValueError.
// (Keras turns "accuracy" into the accuracy matching the loss; Model::compile does that.)
template <class T = float>
std::shared_ptr<Metric<T>> get(const std::string& identifier);

#define LOOM_EXTERN_METRICS(T)                          \
  extern template class Mean<T>;                        \
  extern template class Metric<T>;                      \
  extern template class MeanMetricWrapper<T>;           \
  extern template class MeanSquaredError<T>;      \
  extern template class MeanAbsoluteError<T>;     \
  extern template class RootMeanSquaredError<T>;        \
  extern template class Accuracy<T>;                    \
  extern template class BinaryAccuracy<T>;              \
  extern template class CategoricalAccuracy<T>;         \
  extern template class SparseCategoricalAccuracy<T>;   \
  extern template std::shared_ptr<Metric<T>> get<T>(const std::string&);
LOOM_EXTERN_METRICS(float)
LOOM_EXTERN_METRICS(double)
#undef LOOM_EXTERN_METRICS

}  // namespace loom::metrics
