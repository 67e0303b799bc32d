#include "train/model.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <typeinfo>

#include "autograd/no_grad.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"
#include "train/callbacks/callback.hpp"
#include "train/callbacks/history.hpp"
#include "train/callbacks/terminate_on_nan.hpp"
#include "train/checkpoint.hpp"
#include "train/distribute/communicator.hpp"
#include "train/distribute/data_parallel.hpp"
#include "train/fit_progress.hpp"
#include "train/weights_io.hpp"

namespace loom {

namespace {

// x and y must hold the same number of samples; said here so the message names fit or evaluate
// (Dataset's own check would name only Dataset).
template <class T>
void check_samples(const std::string& who, const Tensor<T>& x, const Tensor<T>& y) {
  if (x.rank() == 0 || y.rank() == 0 || x.dim(0) != y.dim(0))
    throw ShapeError(who + ": y expected " +
                     (x.rank() ? std::to_string(x.dim(0)) : std::string("as many")) +
                     " samples on its first axis, as many as x " + x.shape().str() +
                     ", received shape " + y.shape().str());
}

// "loom::Dense<float>" -> "Dense": the class name Keras shows in summary().
std::string class_name_of(const std::type_info& type) {
  int status = 0;
  char* raw = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && raw ? raw : type.name();
  std::free(raw);
  if (auto lt = name.find('<'); lt != std::string::npos) name.resize(lt);
  if (auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  return name;
}

std::string readable_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One summary row: each field padded (or cut) to its column, as tf.keras's print_row.
std::string summary_row(const std::vector<std::string>& fields, const std::vector<std::size_t>& ends) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    if (line.size() > ends[i]) line.resize(ends[i]);
    line.resize(ends[i], ' ');
  }
  return line;
}

bool finite(double v) { return std::isfinite(v); }

}  // namespace

template <class T>
Model<T>::Model(std::string name) : Layer<T>(name.empty() ? unique_layer_name("model") : std::move(name)) {}

template <class T>
Model<T>::~Model() = default;

template <class T>
void Model<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  in_call_ = true;
}

template <class T>
Tensor<T> Model<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  in_call_ = false;
  input_mask_ = ctx.mask;
  output_mask_ = Tensor<T>();
  return call(x, ctx.training);
}

template <class T>
Tensor<T> Model<T>::compute_mask(const Tensor<T>&, const Tensor<T>&) const {
  return output_mask_;
}

template <class T>
void Model<T>::build(const Shape& input_shape) {
  const bool from_call = in_call_;
  in_call_ = false;
  Layer<T>::build(input_shape);
  if (from_call) return;
  // Keras builds a subclassed model by calling it; zeros are valid for every layer (also ids).
  NoGradGuard no_grad;
  CallContext<T> ctx;
  call(Tensor<T>::zeros(input_shape), ctx);
}

template <class T>
void Model<T>::add_tracked(std::shared_ptr<Layer<T>> layer) {
  if (!layer) throw ValueError("Model '" + this->name() + "': layer expected a layer, received a null pointer");
  for (const auto& l : layers_) {
    if (l == layer) return;
    if (l->name() == layer->name())
      throw ValueError("Model '" + this->name() + "': layer names expected unique (they key the weight "
                       "files), received '" + layer->name() + "' a second time");
  }
  this->track_layer(layer);
  layers_.push_back(std::move(layer));
}

template <class T>
std::shared_ptr<Layer<T>> Model<T>::get_layer(const std::string& name) const {
  std::string names;
  for (const auto& l : layers_) {
    if (l->name() == name) return l;
    names += (names.empty() ? "" : ", ") + l->name();
  }
  throw ValueError("Model '" + this->name() + "' get_layer: name expected one of [" + names + "], received '" +
                   name + "'");
}

template <class T>
void Model<T>::record_output_shape(const Layer<T>* layer, const Shape& shape) {
  for (auto& [l, s] : output_shapes_)
    if (l == layer) {
      s = shape;
      return;
    }
  output_shapes_.emplace_back(layer, shape);
}

// ---------------------------------------------------------------------------------------------
// compile

template <class T>
void Model<T>::compile(std::shared_ptr<optimizers::Optimizer<T>> optimizer, LossArg<T> loss,
                       std::vector<MetricArg<T>> metric_args) {
  const std::string who = "Model '" + this->name() + "' compile";
  if (!optimizer) throw ValueError(who + ": optimizer expected an optimizer, received a null pointer");
  std::shared_ptr<const losses::Loss<T>> loss_obj;
  if (auto* s = std::get_if<std::string>(&loss))
    loss_obj = losses::get<T>(*s);
  else
    loss_obj = std::get<1>(loss);
  if (!loss_obj) throw ValueError(who + ": loss expected a loss, received a null pointer");

  std::vector<std::shared_ptr<metrics::Metric<T>>> ms;
  std::vector<std::string> names;
  for (auto& arg : metric_args) {
    std::shared_ptr<metrics::Metric<T>> m;
    std::string name;
    if (auto* s = std::get_if<std::string>(&arg)) {
      name = *s;
      if (*s == "accuracy" || *s == "acc") {
        // Keras picks the accuracy that matches the loss.
        const std::string& ln = loss_obj->name();
        if (ln == "binary_crossentropy")
          m = std::make_shared<metrics::BinaryAccuracy<T>>(0.5, name);
        else if (ln == "sparse_categorical_crossentropy")
          m = std::make_shared<metrics::SparseCategoricalAccuracy<T>>(name);
        else if (ln == "categorical_crossentropy")
          m = std::make_shared<metrics::CategoricalAccuracy<T>>(name);
        else
          m = std::make_shared<metrics::Accuracy<T>>(name);
      } else {
        m = metrics::get<T>(*s);
      }
    } else {
      m = std::get<1>(arg);
      if (!m) throw ValueError(who + ": metrics expected metric objects, received a null pointer");
      name = m->name();
    }
    if (name == "loss" || std::find(names.begin(), names.end(), name) != names.end())
      throw ValueError(who + ": metric names expected unique and not 'loss', received '" + name + "'");
    ms.push_back(std::move(m));
    names.push_back(std::move(name));
  }
  optimizer_ = std::move(optimizer);
  loss_ = std::move(loss_obj);
  metrics_ = std::move(ms);
  metric_names_ = std::move(names);
}

template <class T>
void Model<T>::require_compiled(const char* who) const {
  if (!compiled())
    throw ValueError("Model '" + this->name() + "' " + who +
                     ": the model expected to be compiled, received an uncompiled model (call compile() first)");
}

// ---------------------------------------------------------------------------------------------
// steps

template <class T>
Tensor<T> Model<T>::regularization_loss() const {
  auto ls = this->losses();
  if (ls.empty()) return Tensor<T>::scalar(T(0));
  Tensor<T> total = ls[0];
  for (std::size_t i = 1; i < ls.size(); ++i) total = add(total, ls[i]);
  return total;
}

template <class T>
double Model<T>::train_step(const Batch<T>& b, bool skip_non_finite) {
  if (!b.y.defined())
    throw ValueError("Model '" + this->name() + "' fit: targets expected, received a dataset without y");
  double value = 0.0;
  Tensor<T> y_pred, mask;
  {
    GradientTape<T> tape;
    y_pred = (*this)(b.x, true);
    mask = output_mask_;
    Tensor<T> loss = (*loss_)(b.y, y_pred, {}, mask);
    for (const auto& r : this->losses()) loss = add(loss, r);
    value = static_cast<double>(loss.item());
    // Trainable weights are known only once the first call has built the layers.
    const auto tw = this->trainable_weights();
    if (!(skip_non_finite && !finite(value)) && !tw.empty()) {
      auto grads = tape.gradient(loss, tw);
      optimizer_->apply_gradients(grads, tw);
    }
  }
  NoGradGuard no_grad;
  const double n = static_cast<double>(b.x.dim(0));
  tracker_total_ += value * n;
  tracker_count_ += n;
  for (auto& m : metrics_) m->update_state(b.y, y_pred, mask);
  return value;
}

template <class T>
double Model<T>::test_step(const Batch<T>& b) {
  if (!b.y.defined())
    throw ValueError("Model '" + this->name() + "' evaluate: targets expected, received a dataset without y");
  NoGradGuard no_grad;
  Tensor<T> y_pred = (*this)(b.x, false);
  Tensor<T> loss = (*loss_)(b.y, y_pred, {}, output_mask_);
  for (const auto& r : this->losses()) loss = add(loss, r);
  const double value = static_cast<double>(loss.item());
  const double n = static_cast<double>(b.x.dim(0));
  tracker_total_ += value * n;
  tracker_count_ += n;
  for (auto& m : metrics_) m->update_state(b.y, y_pred, output_mask_);
  return value;
}

template <class T>
void Model<T>::reset_metrics() {
  tracker_total_ = tracker_count_ = 0.0;
  for (auto& m : metrics_) m->reset_state();
}

template <class T>
Logs Model<T>::collect_logs() const {
  Logs logs;
  if (tracker_count_ == 0.0) return logs;
  logs["loss"] = tracker_total_ / tracker_count_;
  for (std::size_t i = 0; i < metrics_.size(); ++i) logs[metric_names_[i]] = metrics_[i]->result();
  return logs;
}

template <class T>
Logs Model<T>::train_on_batch(const Tensor<T>& x, const Tensor<T>& y) {
  require_compiled("train_on_batch");
  reset_metrics();
  train_step({x, y}, false);
  return collect_logs();
}

template <class T>
Logs Model<T>::test_on_batch(const Tensor<T>& x, const Tensor<T>& y) {
  require_compiled("test_on_batch");
  reset_metrics();
  test_step({x, y});
  return collect_logs();
}

// ---------------------------------------------------------------------------------------------
// fit

template <class T>
History Model<T>::fit(const Tensor<T>& x, const Tensor<T>& y, FitOptions<T> o) {
  const std::string who = "Model '" + this->name() + "' fit";
  if (!x.defined() || !y.defined())
    throw ValueError(who + ": x and y expected defined tensors, received an undefined one");
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
    throw ValueError(who + ": validation_split expected a value in [0, 1), received " +
                     std::to_string(o.validation_split));
  if (o.batch_size == 0) throw ValueError(who + ": batch_size expected >= 1, received 0");
  check_samples(who, x, y);
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

template <class T>
History Model<T>::fit_impl(const Dataset<T>& train, const std::optional<Dataset<T>>& val_in, FitOptions<T>& o) {
  require_compiled("fit");
  const std::string who = "Model '" + this->name() + "' fit";
  if (o.epochs == 0) throw ValueError(who + ": epochs expected >= 1, received 0");
  if (train.elements(0).empty())
    throw ValueError(who + ": the training data expected at least one sample, received 0");
  std::optional<Dataset<T>> val;
  if (val_in) {
    if (!val_in->has_targets())
      throw ValueError(who + ": validation_data expected a dataset with targets, received one without");
    val = val_in->batched() ? *val_in : val_in->batch(o.batch_size);
  }
  if (!o.communicator) return fit_loop(train, val, o);

  const auto comm = o.communicator;
  agree_data_parallel(train, val, o);
  communicator_ = comm;
  struct Release {
    Model* m;
    ~Release() { m->communicator_.reset(); }
  } release{this};
  if (comm->size() == 1) {
    sync_from_rank0(*comm);
    return fit_loop(train, val, o);
  }
  try {
    sync_from_rank0(*comm);
    return fit_loop(train, val, o);
  } catch (const std::exception& e) {
    // Thrown on this rank alone, in the middle of the collectives: the other ranks would wait for
    // this one forever, so the whole job ends.
    comm->abort(who + " failed on this rank, ending every rank (they would wait for it forever): " + e.what(), 1);
    throw;  // not reached: abort() does not return
  }
}

template <class T>
History Model<T>::fit_loop(const Dataset<T>& train, const std::optional<Dataset<T>>& val, FitOptions<T>& o) {
  distribute::Communicator* comm = o.communicator.get();
  std::unique_ptr<distribute::GradientReducer<T>> reducer;
  if (comm) reducer = std::make_unique<distribute::GradientReducer<T>>(o.communicator);
  // Only rank 0 prints: the others write to a stream without a buffer, which drops everything.
  std::ostream no_output(nullptr);
  const bool chief = !comm || comm->rank() == 0;
  std::ostream& out = !chief ? no_output : o.out ? *o.out : std::cout;
  o.verbose = chief ? o.verbose : 0;
  stop_training = false;
  stop_reason_.clear();

  auto cbs = o.callbacks;
  bool has_nan_guard = false;
  for (const auto& c : cbs)
    if (dynamic_cast<callbacks::TerminateOnNaN<T>*>(c.get())) has_nan_guard = true;
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
    // A mid-epoch checkpoint restored the loss tracker of the batches it had run.
    const bool keep_tracker = resume_mid && tracker_restored_;
    const double kept_total = tracker_total_, kept_count = tracker_count_;
    reset_metrics();
    if (keep_tracker && !comm) {
      tracker_total_ = kept_total;
      tracker_count_ = kept_count;
    }
    // Data-parallel: the restored tracker is the job's (rank 0's, sent to all); each rank's own
    // tracker starts from zero and the reduction adds the restored part once.
    dp_base_total_ = keep_tracker && comm ? kept_total : 0.0;
    dp_base_count_ = keep_tracker && comm ? kept_count : 0.0;
    tracker_restored_ = false;
    list.on_epoch_begin(epoch, {});
    progress.epoch_begin(epoch, steps);
    bool bad_batch = false;
    for (std::size_t step = resume_mid ? std::min(o.initial_step, steps) : 0; step < steps; ++step) {
      list.on_train_batch_begin(step, {});
      bool non_finite = false;
      if (comm)
        non_finite = train_step_data_parallel(train, elements[step], has_nan_guard, *reducer);
      else
        non_finite = !finite(train_step(train.gather(elements[step], true), has_nan_guard));
      const Logs batch_logs = comm ? collect_logs_data_parallel() : collect_logs();
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
    logs = comm ? collect_logs_data_parallel() : collect_logs();
    if (val) {
      const Logs vlogs = evaluate_impl(*val, {}, 0, nullptr, comm);
      for (const auto& [k, v] : vlogs) logs["val_" + k] = v;
    }
    list.on_epoch_end(epoch, logs);
    progress.epoch_end(logs);
  }
  list.on_train_end(logs);
  return history_cb->history();
}

// ---------------------------------------------------------------------------------------------
// evaluate / predict

template <class T>
Logs Model<T>::evaluate_impl(const Dataset<T>& data, const std::vector<CallbackPtr<T>>& cbs, int verbose,
                             std::ostream* out, distribute::Communicator* comm) {
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
    if (!comm) {
      test_step(data.gather(elements[step], true));
    } else if (const auto mine = distribute::shard(elements[step], comm->rank(), comm->size()); !mine.empty()) {
      test_step(data.gather(mine, true));
    }
    const Logs batch_logs = comm ? Logs{} : collect_logs();
    list.on_test_batch_end(step, batch_logs);
    progress.batch_end(step + 1, batch_logs);
  }
  Logs logs;
  if (comm) {
    // One reduction at the end: the per-batch values are not shown inside fit.
    const double base_total = dp_base_total_, base_count = dp_base_count_, total = dp_total_, count = dp_count_;
    dp_base_total_ = dp_base_count_ = 0.0;
    logs = collect_logs_data_parallel();
    dp_base_total_ = base_total;
    dp_base_count_ = base_count;
    dp_total_ = total;
    dp_count_ = count;
  } else {
    logs = collect_logs();
  }
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
  if (!x.defined() || !y.defined())
    throw ValueError(who + ": x and y expected defined tensors, received an undefined one");
  check_samples(who, x, y);
  return evaluate_impl(Dataset<T>(x, y).batch(o.batch_size), o.callbacks, o.verbose, o.out);
}

template <class T>
Logs Model<T>::evaluate(const Dataset<T>& data, EvaluateOptions<T> o) {
  if (o.batch_size == 0)
    throw ValueError("Model '" + this->name() + "' evaluate: batch_size expected >= 1, received 0");
  return evaluate_impl(data.batched() ? data : data.batch(o.batch_size), o.callbacks, o.verbose, o.out);
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

// ---------------------------------------------------------------------------------------------
// summary

template <class T>
std::string Model<T>::summary_string() const {
  const std::vector<std::size_t> ends{29, 55, 65};
  const std::string rule(65, '_'), double_rule(65, '=');
  std::ostringstream os;
  os << "Model: \"" << this->name() << "\"\n" << rule << "\n";
  os << summary_row({" Layer (type)", "Output Shape", "Param #"}, ends) << "\n" << double_rule << "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    std::string shape = "?";
    for (const auto& [ptr, s] : output_shapes_)
      if (ptr == l.get()) {
        shape = "(None";
        for (std::size_t d = 1; d < s.rank(); ++d) shape += ", " + std::to_string(s[d]);
        shape += s.rank() == 1 ? ",)" : ")";
      }
    const std::string params = l->built() ? with_commas(l->count_params()) : "0 (unbuilt)";
    os << summary_row({" " + l->name() + " (" + class_name_of(typeid(*l)) + ")", shape, params}, ends) << "\n";
    os << (i + 1 < layers_.size() ? std::string(65, ' ') + "\n" : "");
  }
  std::size_t trainable = 0, non_trainable = 0;
  for (const auto& w : this->trainable_weights()) trainable += w.value().size();
  for (const auto& w : this->non_trainable_weights()) non_trainable += w.value().size();
  const std::size_t total = trainable + non_trainable;
  auto count = [](std::size_t n) {
    return with_commas(n) + " (" + readable_bytes(static_cast<double>(n * sizeof(T))) + ")";
  };
  os << double_rule << "\n";
  os << "Total params: " << count(total) << "\n";
  os << "Trainable params: " << count(trainable) << "\n";
  os << "Non-trainable params: " << count(non_trainable) << "\n";
  os << rule << "\n";
  return os.str();
}

template <class T>
void Model<T>::summary(std::ostream& out) const {
  out << summary_string();
}

template <class T>
void Model<T>::summary() const {
  summary(std::cout);
}

// ---------------------------------------------------------------------------------------------
// files

template <class T>
void Model<T>::save_weights(const std::string& path) const {
  loom::save_weights(*this, path);
}

template <class T>
void Model<T>::load_weights(const std::string& path) {
  loom::load_weights(*this, path);
}

template <class T>
void Model<T>::save_weights(const std::string& path, const WeightsFileOptions& options) const {
  loom::save_weights(*this, path, options);
}

template <class T>
void Model<T>::load_weights(const std::string& path, const WeightsFileOptions& options) {
  loom::load_weights(*this, path, options);
}

template <class T>
void Model<T>::save_checkpoint(const std::string& path, const CheckpointInfo& info) const {
  CheckpointState st;
  st.info = info;
  // In a data-parallel fit the tracker is this rank's part; the checkpoint holds the job's.
  st.loss_total = communicator_ ? dp_total_ : tracker_total_;
  st.loss_count = communicator_ ? dp_count_ : tracker_count_;
  st.history = history_;
  loom::save_checkpoint(*this, optimizer_.get(), st, path);
}

template <class T>
CheckpointInfo Model<T>::load_checkpoint(const std::string& path) {
  const CheckpointState st = loom::load_checkpoint(*this, optimizer_.get(), path);
  history_ = st.history;
  tracker_total_ = st.loss_total;
  tracker_count_ = st.loss_count;
  tracker_restored_ = st.info.step > 0;
  return st.info;
}

template class Model<float>;
template class Model<double>;

}  // namespace loom
