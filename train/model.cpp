// Model: construction and layer tracking, compile, the training and test steps on one batch, and
// weight files and checkpoints. fit is in model_fit.cpp, evaluate and predict in
// model_evaluate.cpp, summary in model_summary.cpp.
#include "train/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "autograd/no_grad.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"
#include "train/checkpoint.hpp"
#include "train/fit_strategy.hpp"
#include "train/weights_io.hpp"

namespace loom {

namespace {

bool finite(double v) { return std::isfinite(v); }

}  // namespace

template <class T>
Model<T>::Model(std::string name)
    : Layer<T>(name.empty() ? unique_layer_name("model") : std::move(name)),
      single_(std::make_unique<detail::SingleProcessFit<T>>(*this)),
      strategy_(single_.get()) {
  register_model_classes();
}

template <class T>
Model<T>::~Model() = default;

template <class T>
const std::shared_ptr<distribute::Communicator>& Model<T>::communicator() const {
  return strategy_->communicator();
}

// x and y must hold the same number of samples; said here so the message names fit or evaluate
// (Dataset's own check would name only Dataset).
template <class T>
void Model<T>::check_arrays(const std::string& who, const Tensor<T>& x, const Tensor<T>& y) const {
  if (!x.defined() || !y.defined())
    throw ValueError(who + ": x and y expected defined tensors, received an undefined one");
  if (x.rank() == 0 || y.rank() == 0 || x.dim(0) != y.dim(0))
    throw ShapeError(who + ": y expected " +
                     (x.rank() ? std::to_string(x.dim(0)) : std::string("as many")) +
                     " samples on its first axis, as many as x " + x.shape().str() +
                     ", received shape " + y.shape().str());
}

template <class T>
void Model<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  if (!this->built()) in_call_ = true;
}

namespace {
// The masks of the model calls running in this thread, innermost last, and the output mask of the
// last call that returned (an enclosing model asks compute_mask() for it right after the call).
template <class T>
struct MaskFrame {
  const void* model;
  Tensor<T> in, out;
};
template <class T>
std::vector<MaskFrame<T>>& mask_frames() {
  thread_local std::vector<MaskFrame<T>> frames;
  return frames;
}
template <class T>
MaskFrame<T>& last_output_mask() {
  thread_local MaskFrame<T> last{nullptr, {}, {}};
  return last;
}
template <class T>
MaskFrame<T>* frame_of(const void* model) {
  auto& frames = mask_frames<T>();
  for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    if (it->model == model) return &*it;
  return nullptr;
}
}  // namespace

template <class T>
Tensor<T> Model<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  auto& frames = mask_frames<T>();
  frames.push_back({this, ctx.mask, {}});
  Tensor<T> y;
  try {
    y = call(x, ctx.training);
  } catch (...) {
    frames.pop_back();
    throw;
  }
  last_output_mask<T>() = {this, {}, std::move(frames.back().out)};
  frames.pop_back();
  return y;
}

template <class T>
void Model<T>::set_output_mask(Tensor<T> mask) {
  if (auto* f = frame_of<T>(this)) f->out = std::move(mask);
}

template <class T>
const Tensor<T>& Model<T>::input_mask() const {
  static const Tensor<T> none;
  const auto* f = frame_of<T>(this);
  return f ? f->in : none;
}

template <class T>
Tensor<T> Model<T>::compute_mask(const Tensor<T>&, const Tensor<T>&) const {
  const auto& last = last_output_mask<T>();
  return last.model == this ? last.out : Tensor<T>();
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
  std::lock_guard<std::mutex> lock(output_shapes_mu_);
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
  std::string loss_id;
  std::vector<std::string> metric_ids;
  if (auto* s = std::get_if<std::string>(&loss))
    loss_obj = losses::get<T>(*s), loss_id = *s;
  else
    loss_obj = std::get<1>(loss);
  if (!loss_obj) throw ValueError(who + ": loss expected a loss, received a null pointer");

  std::vector<std::shared_ptr<metrics::Metric<T>>> ms;
  std::vector<std::string> names;
  for (auto& arg : metric_args) {
    std::shared_ptr<metrics::Metric<T>> m;
    std::string name;
    metric_ids.emplace_back();
    if (auto* s = std::get_if<std::string>(&arg)) {
      name = *s;
      metric_ids.back() = *s;
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
  loss_identifier_ = std::move(loss_id);
  metric_identifiers_ = std::move(metric_ids);
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
    mask = output_mask();
    Tensor<T> loss = (*loss_)(b.y, y_pred, {}, mask);
    for (const auto& r : this->losses()) loss = add(loss, r);
    value = static_cast<double>(loss.item());
    // Trainable weights are known only once the first call has built the layers.
    const auto tw = this->trainable_weights();
    if (!(skip_non_finite && !finite(value)) && !tw.empty()) {
      auto grads = tape.gradient(loss, tw);
      // A finite loss can still have a non-finite gradient (an inf input saturates tanh: the loss
      // stays finite, its gradient is nan). Applied, it would poison every weight; the step is
      // skipped and reported as non-finite, so that TerminateOnNaN stops and ModelCheckpoint keeps
      // the last good file.
      const bool finite_grads = std::all_of(grads.begin(), grads.end(), [](const Tensor<T>& g) { return g.all_finite(); });
      if (finite_grads)
        optimizer_->apply_gradients(grads, tw);
      else
        value = std::numeric_limits<double>::quiet_NaN();
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
  Tensor<T> loss = (*loss_)(b.y, y_pred, {}, output_mask());
  for (const auto& r : this->losses()) loss = add(loss, r);
  const double value = static_cast<double>(loss.item());
  const double n = static_cast<double>(b.x.dim(0));
  tracker_total_ += value * n;
  tracker_count_ += n;
  for (auto& m : metrics_) m->update_state(b.y, y_pred, output_mask());
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
  // An empty batch has no loss to descend, but the optimizer's step would still apply weight
  // decay and count an iteration.
  if (x.defined() && x.rank() > 0 && x.shape()[0] == 0)
    throw ValueError("train_on_batch: x expected at least one sample, received shape " + x.shape().str());
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
CheckpointState Model<T>::checkpoint_state(const CheckpointInfo& info) const {
  CheckpointState st;
  st.info = info;
  // In a data-parallel fit the tracker is this rank's part; the checkpoint holds the job's.
  std::tie(st.loss_total, st.loss_count) = strategy_->tracker();
  st.history = history_;
  return st;
}

template <class T>
void Model<T>::restore_checkpoint_state(const CheckpointState& st) {
  history_ = st.history;
  tracker_total_ = st.loss_total;
  tracker_count_ = st.loss_count;
  tracker_restored_ = st.info.step > 0;
}

template <class T>
void Model<T>::save_checkpoint(const std::string& path, const CheckpointInfo& info) const {
  loom::save_checkpoint(*this, optimizer_.get(), checkpoint_state(info), path);
}

template <class T>
CheckpointInfo Model<T>::load_checkpoint(const std::string& path) {
  const CheckpointState st = loom::load_checkpoint(*this, optimizer_.get(), path);
  restore_checkpoint_state(st);
  return st.info;
}

template class Model<float>;
template class Model<double>;

}  // namespace loom
