#include "train/losses.hpp"

#include <cmath>
#include <string>

#include "autograd/no_grad.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "autograd/ops/softmax.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"

namespace loom::losses {
namespace {

template <class T>
void check_defined(const std::string& loss, const char* arg, const Tensor<T>& t) {
  if (!t.defined())
    throw ValueError(loss + ": argument '" + arg + "' expected a defined tensor, received an undefined one");
}

std::vector<long> dims_of(const Shape& s) {
  std::vector<long> d;
  for (std::size_t v : s) d.push_back(static_cast<long>(v));
  return d;
}

Shape without_last(const Shape& s) {
  Shape r;
  for (std::size_t i = 0; i + 1 < s.rank(); ++i) r.push_back(s[i]);
  return r;
}

// Keras's squeeze_or_expand_to_same_rank for (y_true, y_pred), then a strict shape check. The
// reshapes are recorded ops, so gradients flow through a squeezed y_pred.
template <class T>
std::pair<Tensor<T>, Tensor<T>> align_targets(const std::string& loss, const Tensor<T>& y_true,
                                              const Tensor<T>& y_pred) {
  check_defined(loss, "y_true", y_true);
  check_defined(loss, "y_pred", y_pred);
  Tensor<T> a = y_true, b = y_pred;
  const std::size_t ra = a.rank(), rb = b.rank();
  if (ra == rb + 1 && ra > 0 && a.shape()[ra - 1] == 1) {
    if (rb == 1) {
      auto d = dims_of(b.shape());
      d.push_back(1);
      b = reshape(b, d);
    } else {
      a = reshape(a, dims_of(without_last(a.shape())));
    }
  } else if (rb == ra + 1 && rb > 0 && b.shape()[rb - 1] == 1) {
    if (ra == 1) {
      auto d = dims_of(a.shape());
      d.push_back(1);
      a = reshape(a, d);
    } else {
      b = reshape(b, dims_of(without_last(b.shape())));
    }
  }
  if (a.shape() != b.shape())
    throw ShapeError(loss + ": y_true and y_pred expected the same shape, received y_true " +
                     y_true.shape().str() + " and y_pred " + y_pred.shape().str());
  if (a.rank() == 0)
    throw ShapeError(loss + ": y_pred expected rank >= 1 (the last axis is averaged), received shape ()");
  return {a, b};
}

// A weight or mask laid against the per-sample values: a trailing 1 is dropped, missing trailing
// axes are added (a (batch,) weight covers every timestep), then it must broadcast.
template <class T>
Tensor<T> align_weight(const std::string& loss, const char* arg, const Tensor<T>& w,
                       const Shape& values) {
  Shape s = w.shape();
  if (s.rank() == values.rank() + 1 && s[s.rank() - 1] == 1) s = without_last(s);
  while (s.rank() < values.rank()) s.push_back(1);
  bool ok = s.rank() == values.rank();
  for (std::size_t i = 0; ok && i < s.rank(); ++i) ok = s[i] == values[i] || s[i] == 1;
  if (!ok)
    throw ShapeError(loss + ": " + arg + " expected a shape that broadcasts to the per-sample losses " +
                     values.str() + ", received " + w.shape().str());
  return w.view_as(s);
}

template <class T>
Tensor<T> constant(double v) {
  return Tensor<T>::scalar(static_cast<T>(v));
}

}  // namespace

template <class T>
Tensor<T> Loss<T>::target_mask(const Tensor<T>&, const Tensor<T>&) const {
  return {};
}

template <class T>
Tensor<T> Loss<T>::operator()(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                              const Tensor<T>& sample_weight, const Tensor<T>& mask) const {
  Tensor<T> values = call(y_true, y_pred);
  Tensor<T> m;
  {
    // Weights and masks are constants: building them must not land on a tape.
    NoGradGuard guard;
    if (mask.defined()) m = align_weight(name_, "mask", mask, values.shape()).clone();
    Tensor<T> tm = target_mask(y_true, y_pred);
    if (tm.defined()) m = m.defined() ? mul(m, tm) : tm;
    if (m.defined() && reduction_ == Reduction::sum_over_batch_size) {
      // Kept entries get weight total / kept, so that dividing by the total below divides the
      // sum by the number of kept entries (Keras 3's apply_mask; epsilon guards an empty mask).
      const Tensor<T> full = mul(m, Tensor<T>::ones(values.shape()));
      double kept = 0.0;
      for (std::size_t i = 0; i < full.size(); ++i) kept += static_cast<double>(full.data()[i]);
      m = mul(full, constant<T>(static_cast<double>(values.size()) / (kept + kEpsilon)));
    }
    if (sample_weight.defined()) {
      const Tensor<T> w = align_weight(name_, "sample_weight", sample_weight, values.shape());
      m = m.defined() ? mul(m, w) : w;
    }
  }
  if (m.defined()) values = mul(values, m);
  switch (reduction_) {
    case Reduction::none:
      return values;
    case Reduction::sum:
      return sum(values);
    case Reduction::sum_over_batch_size:
      if (values.size() == 0) return Tensor<T>::scalar(T(0));
      return mean(values);
  }
  return values;
}

template <class T>
Tensor<T> MeanSquaredError<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  auto [t, p] = align_targets(this->name(), y_true, y_pred);
  return mean(square(sub(p, t)), {-1});
}

template <class T>
Tensor<T> MeanAbsoluteError<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  auto [t, p] = align_targets(this->name(), y_true, y_pred);
  return mean(abs(sub(p, t)), {-1});
}

template <class T>
Huber<T>::Huber(HuberOptions o) : Loss<T>(o.name, o.reduction), delta_(o.delta) {
  if (!(o.delta > 0.0))
    throw ValueError(o.name + ": delta expected > 0, received " + std::to_string(o.delta));
}

template <class T>
Tensor<T> Huber<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  auto [t, p] = align_targets(this->name(), y_true, y_pred);
  const Tensor<T> err = sub(p, t);
  const Tensor<T> a = abs(err);
  const Tensor<T> d = constant<T>(delta_);
  const Tensor<T> quadratic = mul(constant<T>(0.5), square(err));
  const Tensor<T> linear = sub(mul(d, a), constant<T>(0.5 * delta_ * delta_));
  return mean(where(greater(a, d), linear, quadratic), {-1});
}

template <class T>
BinaryCrossentropy<T>::BinaryCrossentropy(BinaryCrossentropyOptions o)
    : Loss<T>(o.name, o.reduction), from_logits_(o.from_logits), label_smoothing_(o.label_smoothing) {
  if (!(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0))
    throw ValueError(o.name + ": label_smoothing expected in [0, 1], received " +
                     std::to_string(o.label_smoothing));
}

template <class T>
Tensor<T> BinaryCrossentropy<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  auto [t, p] = align_targets(this->name(), y_true, y_pred);
  if (label_smoothing_ > 0.0)
    t = add(mul(t, constant<T>(1.0 - label_smoothing_)), constant<T>(0.5 * label_smoothing_));
  Tensor<T> per_element;
  if (from_logits_) {
    // log(1 + e^x) - x z: softplus is evaluated without overflow for either sign of x, which is
    // tf.nn.sigmoid_cross_entropy_with_logits's max(x, 0) - x z + log(1 + e^-|x|).
    per_element = sub(softplus(p), mul(p, t));
  } else {
    const Tensor<T> q = clip(p, kEpsilon, 1.0 - kEpsilon);
    per_element = neg(add(mul(t, log(q)), mul(sub(constant<T>(1.0), t), log(sub(constant<T>(1.0), q)))));
  }
  return mean(per_element, {-1});
}

template <class T>
CategoricalCrossentropy<T>::CategoricalCrossentropy(CategoricalCrossentropyOptions o)
    : Loss<T>(o.name, o.reduction), from_logits_(o.from_logits), label_smoothing_(o.label_smoothing) {
  if (!(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0))
    throw ValueError(o.name + ": label_smoothing expected in [0, 1], received " +
                     std::to_string(o.label_smoothing));
}

template <class T>
Tensor<T> CategoricalCrossentropy<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  check_defined(this->name(), "y_true", y_true);
  check_defined(this->name(), "y_pred", y_pred);
  if (y_true.shape() != y_pred.shape() || y_pred.rank() == 0)
    throw ShapeError(this->name() + ": y_true and y_pred expected the same shape (..., num_classes), "
                     "received y_true " + y_true.shape().str() + " and y_pred " + y_pred.shape().str());
  Tensor<T> t = y_true;
  if (label_smoothing_ > 0.0) {
    const double c = static_cast<double>(y_pred.dim(-1));
    t = add(mul(t, constant<T>(1.0 - label_smoothing_)), constant<T>(label_smoothing_ / c));
  }
  Tensor<T> logp;
  if (from_logits_) {
    logp = log_softmax(y_pred, -1);
  } else {
    // Keras renormalises the probabilities, then clips them away from 0 and 1.
    const Tensor<T> q = div(y_pred, sum(y_pred, {-1}, true));
    logp = log(clip(q, kEpsilon, 1.0 - kEpsilon));
  }
  return neg(sum(mul(t, logp), {-1}));
}

namespace {

// The class id at each position, checked to be an integer in [0, num_classes) unless ignored.
template <class T>
std::vector<long> class_ids(const std::string& loss, const Tensor<T>& y_true, const Tensor<T>& y_pred,
                            const std::optional<long>& ignore) {
  check_defined(loss, "y_true", y_true);
  check_defined(loss, "y_pred", y_pred);
  const Shape lead = y_pred.rank() > 0 ? without_last(y_pred.shape()) : Shape{};
  Shape with_one = lead;
  with_one.push_back(1);
  if (y_pred.rank() < 1 || (y_true.shape() != lead && y_true.shape() != with_one))
    throw ShapeError(loss + ": y_true expected shape y_pred.shape[:-1] (class ids), received y_true " +
                     y_true.shape().str() + " and y_pred " + y_pred.shape().str());
  const long classes = static_cast<long>(y_pred.dim(-1));
  std::vector<long> ids(y_true.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const double v = static_cast<double>(y_true.data()[i]);
    const long id = static_cast<long>(std::lround(v));
    if (ignore && id == *ignore && v == static_cast<double>(id)) {
      ids[i] = -1;
      continue;
    }
    if (!(v == static_cast<double>(id)) || id < 0 || id >= classes)
      throw ValueError(loss + ": y_true expected integer class ids in [0, " + std::to_string(classes) +
                       "), received " + std::to_string(v) + " at position " + std::to_string(i));
    ids[i] = id;
  }
  return ids;
}

}  // namespace

template <class T>
Tensor<T> SparseCategoricalCrossentropy<T>::call(const Tensor<T>& y_true, const Tensor<T>& y_pred) const {
  const std::vector<long> ids = class_ids(this->name(), y_true, y_pred, ignore_class_);
  const std::size_t classes = y_pred.dim(-1);
  auto one_hot = Tensor<T>::zeros(y_pred.shape());
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= 0) one_hot.data()[i * classes + static_cast<std::size_t>(ids[i])] = T(1);
  Tensor<T> logp;
  if (from_logits_) {
    logp = log_softmax(y_pred, -1);
  } else {
    // As tf.keras: clip, take logs, then treat them as logits (which renormalises).
    logp = log_softmax(log(clip(y_pred, kEpsilon, 1.0 - kEpsilon)), -1);
  }
  return neg(sum(mul(one_hot, logp), {-1}));
}

template <class T>
Tensor<T> SparseCategoricalCrossentropy<T>::target_mask(const Tensor<T>& y_true,
                                                        const Tensor<T>& y_pred) const {
  if (!ignore_class_) return {};
  const std::vector<long> ids = class_ids(this->name(), y_true, y_pred, ignore_class_);
  auto m = Tensor<T>::empty(without_last(y_pred.shape()));
  for (std::size_t i = 0; i < ids.size(); ++i) m.data()[i] = ids[i] >= 0 ? T(1) : T(0);
  return m;
}

template <class T>
std::shared_ptr<const Loss<T>> get(const std::string& id) {
  if (id == "mse" || id == "mean_squared_error" || id == "MeanSquaredError")
    return std::make_shared<MeanSquaredError<T>>();
  if (id == "mae" || id == "mean_absolute_error" || id == "MeanAbsoluteError")
    return std::make_shared<MeanAbsoluteError<T>>();
  if (id == "huber" || id == "huber_loss" || id == "Huber") return std::make_shared<Huber<T>>();
  if (id == "binary_crossentropy" || id == "BinaryCrossentropy")
    return std::make_shared<BinaryCrossentropy<T>>();
  if (id == "categorical_crossentropy" || id == "CategoricalCrossentropy")
    return std::make_shared<CategoricalCrossentropy<T>>();
  if (id == "sparse_categorical_crossentropy" || id == "SparseCategoricalCrossentropy")
    return std::make_shared<SparseCategoricalCrossentropy<T>>();
  throw ValueError("losses::get: identifier expected one of mse, mae, huber, binary_crossentropy, "
                   "categorical_crossentropy, sparse_categorical_crossentropy, received '" + id + "'");
}

#define LOOM_INSTANTIATE_LOSSES(T)                                          \
  template class Loss<T>;                                                   \
  template class MeanSquaredError<T>;                                       \
  template class MeanAbsoluteError<T>;                                      \
  template class Huber<T>;                                                  \
  template class BinaryCrossentropy<T>;                                     \
  template class CategoricalCrossentropy<T>;                                \
  template class SparseCategoricalCrossentropy<T>;                          \
  template std::shared_ptr<const Loss<T>> get<T>(const std::string&);
LOOM_INSTANTIATE_LOSSES(float)
LOOM_INSTANTIATE_LOSSES(double)
#undef LOOM_INSTANTIATE_LOSSES

}  // namespace loom::losses
