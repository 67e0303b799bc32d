// Model::fit: the argument checks, the validation split and the epoch loop. How each batch is
// stepped (one process or data-parallel ranks) is the fit strategy's (train/fit_strategy.hpp).
#include <algorithm>
#include <cmath>
#include <iostream>

#include "core/errors.hpp"
#include "layers/rnn.hpp"
#include "train/callbacks/callback.hpp"
#include "train/callbacks/history.hpp"
#include "train/callbacks/terminate_on_nan.hpp"
#include "train/fit_progress.hpp"
#include "train/fit_strategy.hpp"
#include "train/model.hpp"

namespace loom {

template <class T>
History Model<T>::fit(const Tensor<T>& x, const Tensor<T>& y, FitOptions<T> o) {
  const std::string who = "Model '" + this->name() + "' fit";
  check_arrays(who, x, y);
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
    throw ValueError(who + ": validation_split expected a value in [0, 1), received " +
                     std::to_string(o.validation_split));
  if (o.batch_size == 0) throw ValueError(who + ": batch_size expected >= 1, received 0");
  Dataset<T> all(x, y);
  Dataset<T> train = all;
  std::optional<Dataset<T>> val = o.validation_data;
  if (!val && o.validation_split > 0.0) {
    // Keras 3: the last samples validate, split before any shuffling.
    const std::size_t n = x.dim(0);
    const auto split_at = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * (1.0 - o.validation_split)));
    if (split_at == 0 || split_at >= n)
      throw ValueError(who + ": validation_split " + std::to_string(o.validation_split) +
                       " expected to leave samples for both training and validation, received " +
                       std::to_string(n) + " samples");
    train = all.take(split_at);
    val = all.skip(split_at);
  }
  if (o.shuffle) train = train.shuffle(o.seed);
  return fit_impl(train.batch(o.batch_size), val, o);
}

template <class T>
History Model<T>::fit(const Dataset<T>& data, FitOptions<T> o) {
  const std::string who = "Model '" + this->name() + "' fit";
  if (o.validation_split != 0.0)
    throw ValueError(who + ": validation_split expected 0 with a Dataset (split the dataset with take/skip), "
                     "received " + std::to_string(o.validation_split));
  if (o.batch_size == 0) throw ValueError(who + ": batch_size expected >= 1, received 0");
  return fit_impl(data.batched() ? data : data.batch(o.batch_size), o.validation_data, o);
}

namespace {

// Whether any layer of the tree is a stateful RNN: its carried states fix the batch size.
template <class T>
const RNN<T>* find_stateful(const Layer<T>& layer) {
  for (const RNN<T>* r : layer.recurrent_layers())
    if (r && r->options().stateful) return r;
  for (const auto& c : layer.sublayers())
    if (const RNN<T>* r = c ? find_stateful(*c) : nullptr) return r;
  return nullptr;
}

}  // namespace

// A stateful RNN takes one batch size for good; a ragged last batch failed mid-epoch after the
// updates before it. Checked before any step.
template <class T>
std::size_t Model<T>::check_stateful_batches(const std::string& who, const Dataset<T>& data, const char* what,
                                             std::size_t expected) const {
  const RNN<T>* rnn = find_stateful<T>(*this);
  const auto batches = data.elements(0);
  if (!rnn || batches.empty()) return 0;
  const std::size_t size = expected ? expected : batches.front().size();
  for (const auto& b : batches)
    if (b.size() != size)
      throw ValueError(who + ": " + what + " expected batches of " + std::to_string(size) +
                       " samples for the stateful layer '" + rnn->name() + "', received a batch of " +
                       std::to_string(b.size()) + " (make the sample count a multiple of batch_size, or batch "
                       "with drop_remainder)");
  return size;
}

template <class T>
History Model<T>::fit_impl(const Dataset<T>& train, const std::optional<Dataset<T>>& val_in, FitOptions<T>& o) {
  require_compiled("fit");
  const std::string who = "Model '" + this->name() + "' fit";
  if (o.epochs == 0) throw ValueError(who + ": epochs expected >= 1, received 0");
  if (train.elements(0).empty())
    throw ValueError(who + ": the training data expected at least one sample, received 0");
  const std::size_t batch = check_stateful_batches(who, train, "the training data", 0);
  if (val_in)
    check_stateful_batches(who, val_in->batched() ? *val_in : val_in->batch(o.batch_size), "validation_data", batch);
  std::optional<Dataset<T>> val;
  if (val_in) {
    if (!val_in->has_targets())
      throw ValueError(who + ": validation_data expected a dataset with targets, received one without");
    val = val_in->batched() ? *val_in : val_in->batch(o.batch_size);
  }
  // Chosen once: the loops below read the same for one process and for data-parallel ranks.
  const auto strategy = detail::make_fit_strategy(*this, o.communicator);
  strategy->prepare(train, val, o);
  strategy_ = strategy.get();
  struct Release {
    Model* m;
    ~Release() { m->strategy_ = m->single_.get(); }
  } release{this};
  return strategy->run([&] { return fit_loop(train, val, o); });
}

template <class T>
History Model<T>::fit_loop(const Dataset<T>& train, const std::optional<Dataset<T>>& val, FitOptions<T>& o) {
  detail::FitStrategy<T>& how = *strategy_;
  // Only rank 0 prints: the others write to a stream without a buffer, which drops everything.
  std::ostream no_output(nullptr);
  const bool chief = how.chief();
  std::ostream& out = !chief ? no_output : o.out ? *o.out : std::cout;
  o.verbose = chief ? o.verbose : 0;
  stop_training = false;
  stop_reason_.clear();

  auto cbs = o.callbacks;
  bool has_nan_guard = false;
  for (const auto& c : cbs)
    if (c && c->stops_on_nan()) has_nan_guard = true;
  if (o.terminate_on_nan && !has_nan_guard) {
    cbs.insert(cbs.begin(), std::make_shared<callbacks::TerminateOnNaN<T>>(
                                !chief ? &no_output : o.verbose > 0 ? &out : nullptr));
    has_nan_guard = true;
  }
  // A resumed fit continues the restored history; a fresh one starts a new history.
  History start;
  if (o.initial_epoch > 0) {
    start = history_;
    start.truncate(o.initial_epoch);
  }
  history_ = start;
  auto history_cb = std::make_shared<callbacks::History<T>>(start);
  cbs.push_back(history_cb);
  callbacks::CallbackList<T> list(cbs, this);

  detail::FitProgress progress(out, o.verbose, o.epochs);
  Logs logs;
  list.on_train_begin(logs);
  for (std::size_t epoch = o.initial_epoch; epoch < o.epochs && !stop_training; ++epoch) {
    const auto elements = train.elements(epoch);
    const std::size_t steps = elements.size();
    const bool resume_mid = epoch == o.initial_epoch && o.initial_step > 0;
    // Beyond the epoch, the loop would skip it and History would record a row of nan. At its
    // last step (a save_freq checkpoint after the epoch's last batch) only the epoch's end is left.
    if (resume_mid && o.initial_step > steps)
      throw ValueError("fit: initial_step expected at most the epoch's " + std::to_string(steps) +
                       " steps, received " + std::to_string(o.initial_step));
    // A mid-epoch checkpoint restored the loss tracker of the batches it had run.
    const bool keep_tracker = resume_mid && tracker_restored_;
    const double kept_total = tracker_total_, kept_count = tracker_count_;
    reset_metrics();
    how.begin_epoch(keep_tracker ? std::optional(std::pair(kept_total, kept_count)) : std::nullopt);
    tracker_restored_ = false;
    list.on_epoch_begin(epoch, {});
    progress.epoch_begin(epoch, steps);
    bool bad_batch = false;
    for (std::size_t step = resume_mid ? std::min(o.initial_step, steps) : 0; step < steps; ++step) {
      list.on_train_batch_begin(step, {});
      const bool non_finite = how.train_batch(train, elements[step], has_nan_guard);
      const Logs batch_logs = how.train_logs();
      list.on_train_batch_end(step, batch_logs);
      progress.batch_end(step + 1, batch_logs);
      if (non_finite && has_nan_guard) bad_batch = true;
      if (stop_training) break;
    }
    // An epoch cut short by a non-finite loss is not an epoch: no logs, history row or checkpoint.
    if (bad_batch && stop_training) {
      progress.abort();
      break;
    }
    logs = how.train_logs();
    if (val) {
      // The fit's callbacks see the validation pass as Keras's do (on_test_begin, on_test_batch_*,
      // on_test_end).
      const Logs vlogs = evaluate_impl(*val, cbs, 0, nullptr, how);
      for (const auto& [k, v] : vlogs) logs["val_" + k] = v;
    }
    list.on_epoch_end(epoch, logs);
    progress.epoch_end(logs);
  }
  list.on_train_end(logs);
  return history_cb->history();
}

#define LOOM_INSTANTIATE_MODEL_FIT(T)                                                                   \
  template History Model<T>::fit(const Tensor<T>&, const Tensor<T>&, FitOptions<T>);                  \
  template History Model<T>::fit(const Dataset<T>&, FitOptions<T>);                                   \
  template History Model<T>::fit_impl(const Dataset<T>&, const std::optional<Dataset<T>>&, FitOptions<T>&); \
  template History Model<T>::fit_loop(const Dataset<T>&, const std::optional<Dataset<T>>&, FitOptions<T>&); \
  template std::size_t Model<T>::check_stateful_batches(const std::string&, const Dataset<T>&, const char*,     \
                                                        std::size_t) const;
LOOM_INSTANTIATE_MODEL_FIT(float)
LOOM_INSTANTIATE_MODEL_FIT(double)
#undef LOOM_INSTANTIATE_MODEL_FIT

}  // namespace loom
