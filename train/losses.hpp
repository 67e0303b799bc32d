#pragma once
// Keras losses, as objects (MeanSquaredError, ...) and as functions (losses::mean_squared_error,
// ...), both with Keras's argument order (y_true, y_pred). A loss computes per-sample values (the
// mean over the last axis, or the cross-entropy over the class axis), weights them by
// sample_weight and a mask, and reduces them the Keras 3 way: "sum_over_batch_size" divides the
// weighted sum by the number of per-sample values. Everything is built from recorded ops, so the
// result differentiates on a GradientTape.
//
// Everything lives in loom::losses, as in keras.losses.
//
// Unlike Keras's loss *functions*, which return per-sample values, loom's functions reduce like
// the objects do (pass .reduction = Reduction::none for per-sample values), so that
// `losses::mse(y, target) + model.regularization_loss()` is a scalar in a custom training loop.
#include <memory>
#include <optional>
#include <string>

#include "core/tensor.hpp"

namespace loom::losses {

enum class Reduction { sum_over_batch_size, sum, none };

struct MeanSquaredErrorOptions {
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "mean_squared_error";
};
struct MeanAbsoluteErrorOptions {
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "mean_absolute_error";
};
struct HuberOptions {
  double delta = 1.0;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "huber_loss";
};
struct BinaryCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // targets become y * (1 - s) + 0.5 * s
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "binary_crossentropy";
};
struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // targets become y * (1 - s) + s / num_classes
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "categorical_crossentropy";
};
struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  // Targets equal to this class contribute nothing and are left out of the mean (Keras 3).
  std::optional<long> ignore_class;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "sparse_categorical_crossentropy";
};

template <class T = float>
class Loss {
 public:
  Loss(std::string name, Reduction reduction) : name_(std::move(name)), reduction_(reduction) {}
  virtual ~Loss() = default;

  // Weighted, masked and reduced loss. sample_weight and mask broadcast against the per-sample
  // values (shape y_pred.shape[:-1]); a (batch,) weight applies to every timestep of a sample.
  // A mask holds 1 for kept values; with sum_over_batch_size the sum is divided by the number of
  // kept values (Keras 3's apply_mask).
  Tensor<T> operator()(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                       const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) const;

  // Per-sample losses, unweighted and unreduced (Keras's Loss.call). Throws ShapeError naming
  // the loss and both shapes when y_true does not fit y_pred.
  virtual Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const = 0;

  const std::string& name() const { return name_; }
  Reduction reduction() const { return reduction_; }
  // What target_mask() leaves targets out by, for messages ("ignore_class 0"); empty when the
  // loss keeps every target. A data-parallel fit refuses such a loss: the mean over the kept
  // targets of a whole batch is not the average of its slices' means.
  virtual std::string target_filter() const { return ""; }

 protected:
  // A mask the loss derives from the targets (ignore_class); undefined when there is none.
  virtual Tensor<T> target_mask(const Tensor<T>& y_true, const Tensor<T>& y_pred) const;

 private:
  std::string name_;
  Reduction reduction_;
};

template <class T = float>
class MeanSquaredError : public Loss<T> {
 public:
  explicit MeanSquaredError(MeanSquaredErrorOptions o = {}) : Loss<T>(o.name, o.reduction) {}
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
};

template <class T = float>
class MeanAbsoluteError : public Loss<T> {
 public:
  explicit MeanAbsoluteError(MeanAbsoluteErrorOptions o = {}) : Loss<T>(o.name, o.reduction) {}
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
};

template <class T = float>
class Huber : public Loss<T> {
 public:
  explicit Huber(HuberOptions o = {});
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
  double delta() const { return delta_; }

 private:
  double delta_;
};

template <class T = float>
class BinaryCrossentropy : public Loss<T> {
 public:
  explicit BinaryCrossentropy(BinaryCrossentropyOptions o = {});
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
  bool from_logits() const { return from_logits_; }

 private:
  bool from_logits_;
  double label_smoothing_;
};

template <class T = float>
class CategoricalCrossentropy : public Loss<T> {
 public:
  explicit CategoricalCrossentropy(CategoricalCrossentropyOptions o = {});
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
  bool from_logits() const { return from_logits_; }

 private:
  bool from_logits_;
  double label_smoothing_;
};

// y_true holds class ids (as values of T) of shape y_pred.shape[:-1], or that with a trailing 1.
template <class T = float>
class SparseCategoricalCrossentropy : public Loss<T> {
 public:
  explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions o = {})
      : Loss<T>(o.name, o.reduction), from_logits_(o.from_logits), ignore_class_(o.ignore_class) {}
  Tensor<T> call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;
  bool from_logits() const { return from_logits_; }
  const std::optional<long>& ignore_class() const { return ignore_class_; }
  std::string target_filter() const override {
    return ignore_class_ ? "ignore_class " + std::to_string(*ignore_class_) : "";
  }

 protected:
  Tensor<T> target_mask(const Tensor<T>& y_true, const Tensor<T>& y_pred) const override;

 private:
  bool from_logits_;
  std::optional<long> ignore_class_;
};

// Keras's probability clipping: probabilities are clipped to [epsilon, 1 - epsilon].
inline constexpr double kEpsilon = 1e-7;

template <class T>
Tensor<T> mean_squared_error(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                             const MeanSquaredErrorOptions& o = {},
                             const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return MeanSquaredError<T>(o)(y_true, y_pred, sample_weight, mask);
}
template <class T>
Tensor<T> mean_absolute_error(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                              const MeanAbsoluteErrorOptions& o = {},
                              const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return MeanAbsoluteError<T>(o)(y_true, y_pred, sample_weight, mask);
}
template <class T>
Tensor<T> mse(const Tensor<T>& y_true, const Tensor<T>& y_pred, const MeanSquaredErrorOptions& o = {},
              const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return mean_squared_error(y_true, y_pred, o, sample_weight, mask);
}
template <class T>
Tensor<T> mae(const Tensor<T>& y_true, const Tensor<T>& y_pred, const MeanAbsoluteErrorOptions& o = {},
              const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return mean_absolute_error(y_true, y_pred, o, sample_weight, mask);
}
template <class T>
Tensor<T> huber(const Tensor<T>& y_true, const Tensor<T>& y_pred, const HuberOptions& o = {},
                const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return Huber<T>(o)(y_true, y_pred, sample_weight, mask);
}
template <class T>
Tensor<T> binary_crossentropy(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                              const BinaryCrossentropyOptions& o = {},
                              const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return BinaryCrossentropy<T>(o)(y_true, y_pred, sample_weight, mask);
}
template <class T>
Tensor<T> categorical_crossentropy(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                                   const CategoricalCrossentropyOptions& o = {},
                                   const Tensor<T>& sample_weight = {}, const Tensor<T>& mask = {}) {
  return CategoricalCrossentropy<T>(o)(y_true, y_pred, sample_weight, mask);
}
template <class T>
Tensor<T> sparse_categorical_crossentropy(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                                          const SparseCategoricalCrossentropyOptions& o = {},
                                          const Tensor<T>& sample_weight = {},
                                          const Tensor<T>& mask = {}) {
  return SparseCategoricalCrossentropy<T>(o)(y_true, y_pred, sample_weight, mask);
}

// A loss from a Keras identifier: "mse", "mean_squared_error", "mae", "mean_absolute_error",
// "huber", "huber_loss", "binary_crossentropy", "categorical_crossentropy",
// "sparse_categorical_crossentropy" (the probability forms). Unknown names throw ValueError.
template <class T = float>
std::shared_ptr<const Loss<T>> get(const std::string& identifier);

#define LOOM_EXTERN_LOSSES(T)                                                                      \
  extern template class Loss<T>;                                                                   \
  extern template class MeanSquaredError<T>;                                                       \
  extern template class MeanAbsoluteError<T>;                                                      \
  extern template class Huber<T>;                                                                  \
  extern template class BinaryCrossentropy<T>;                                                     \
  extern template class CategoricalCrossentropy<T>;                                                \
  extern template class SparseCategoricalCrossentropy<T>;                                          \
  extern template std::shared_ptr<const Loss<T>> get<T>(const std::string&);
LOOM_EXTERN_LOSSES(float)
LOOM_EXTERN_LOSSES(double)
#undef LOOM_EXTERN_LOSSES

}  // namespace loom::losses
