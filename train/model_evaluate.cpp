// Model::evaluate and Model::predict: passes over batches without training (fit's validation
// uses evaluate_impl with the fit's strategy).
#include <cstring>
#include <iostream>

#include "autograd/no_grad.hpp"
#include "core/errors.hpp"
#include "train/callbacks/callback.hpp"
#include "train/fit_progress.hpp"
#include "train/fit_strategy.hpp"
#include "train/model.hpp"

namespace loom {

template <class T>
Logs Model<T>::evaluate_impl(const Dataset<T>& data, const std::vector<CallbackPtr<T>>& cbs, int verbose,
                             std::ostream* out, detail::FitStrategy<T>& how) {
  require_compiled("evaluate");
  if (!data.has_targets())
    throw ValueError("Model '" + this->name() + "' evaluate: targets expected, received a dataset without y");
  // Evaluation inside fit must not disturb the training tracker's owner state: save and restore it.
  const double saved_total = tracker_total_, saved_count = tracker_count_;
  reset_metrics();
  callbacks::CallbackList<T> list(cbs, this);
  list.on_test_begin({});
  const auto elements = data.elements(0);
  if (elements.empty())
    throw ValueError("Model '" + this->name() + "' evaluate: the data expected at least one sample, received 0");
  detail::FitProgress progress(out ? *out : std::cout, verbose, 1);
  progress.test_begin(elements.size());
  for (std::size_t step = 0; step < elements.size(); ++step) {
    list.on_test_batch_begin(step, {});
    how.test_batch(data, elements[step]);
    const Logs batch_logs = how.test_batch_logs();
    list.on_test_batch_end(step, batch_logs);
    progress.batch_end(step + 1, batch_logs);
  }
  const Logs logs = how.test_logs();
  progress.test_end(logs);
  list.on_test_end(logs);
  tracker_total_ = saved_total;
  tracker_count_ = saved_count;
  return logs;
}

template <class T>
Logs Model<T>::evaluate(const Tensor<T>& x, const Tensor<T>& y, EvaluateOptions<T> o) {
  const std::string who = "Model '" + this->name() + "' evaluate";
  if (o.batch_size == 0) throw ValueError(who + ": batch_size expected >= 1, received 0");
  check_arrays(who, x, y);
  return evaluate_impl(Dataset<T>(x, y).batch(o.batch_size), o.callbacks, o.verbose, o.out, *single_);
}

template <class T>
Logs Model<T>::evaluate(const Dataset<T>& data, EvaluateOptions<T> o) {
  if (o.batch_size == 0)
    throw ValueError("Model '" + this->name() + "' evaluate: batch_size expected >= 1, received 0");
  return evaluate_impl(data.batched() ? data : data.batch(o.batch_size), o.callbacks, o.verbose, o.out,
                       *single_);
}

template <class T>
Tensor<T> Model<T>::predict(const Tensor<T>& x, PredictOptions o) {
  const std::string who = "Model '" + this->name() + "' predict";
  if (o.batch_size == 0) throw ValueError(who + ": batch_size expected >= 1, received 0");
  NoGradGuard no_grad;
  const Dataset<T> data = Dataset<T>(x).batch(o.batch_size);
  const auto elements = data.elements(0);
  detail::FitProgress progress(o.out ? *o.out : std::cout, o.verbose, 1);
  progress.test_begin(elements.size());
  std::vector<Tensor<T>> outs;
  std::size_t rows = 0;
  for (std::size_t step = 0; step < elements.size(); ++step) {
    Tensor<T> y = (*this)(data.gather(elements[step], true).x, false);
    if (y.rank() == 0 || y.dim(0) != elements[step].size())
      throw ShapeError(who + ": each batch's output expected a first dimension of " +
                       std::to_string(elements[step].size()) + " (the batch size), received shape " +
                       y.shape().str());
    if (!outs.empty()) {
      for (std::size_t d = 1; d < y.rank(); ++d)
        if (y.rank() != outs[0].rank() || y.dim(static_cast<long>(d)) != outs[0].dim(static_cast<long>(d)))
          throw ShapeError(who + ": batch outputs expected the same shape after the batch axis as the first "
                           "batch's " + outs[0].shape().str() + ", received " + y.shape().str());
    }
    rows += y.dim(0);
    outs.push_back(y);
    progress.batch_end(step + 1, {});
  }
  progress.test_end({});
  if (outs.empty()) throw ValueError(who + ": x expected at least one sample, received none");
  Shape shape = outs[0].shape();
  shape[0] = rows;
  Tensor<T> result = Tensor<T>::empty(shape);
  T* dst = result.data();
  for (const auto& y : outs) {
    std::memcpy(dst, y.data(), y.size() * sizeof(T));
    dst += y.size();
  }
  return result;
}

#define LOOM_INSTANTIATE_MODEL_EVALUATE(T)                                                              \
  template Logs Model<T>::evaluate_impl(const Dataset<T>&, const std::vector<CallbackPtr<T>>&, int, std::ostream*, \
                                        detail::FitStrategy<T>&);                                       \
  template Logs Model<T>::evaluate(const Tensor<T>&, const Tensor<T>&, EvaluateOptions<T>);           \
  template Logs Model<T>::evaluate(const Dataset<T>&, EvaluateOptions<T>);                            \
  template Tensor<T> Model<T>::predict(const Tensor<T>&, PredictOptions);
LOOM_INSTANTIATE_MODEL_EVALUATE(float)
LOOM_INSTANTIATE_MODEL_EVALUATE(double)
#undef LOOM_INSTANTIATE_MODEL_EVALUATE

}  // namespace loom
