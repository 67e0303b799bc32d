#pragma once
// Model: Keras's Model, the base users subclass. A model is a Layer (so models nest and their
// weights, losses and get_weights/set_weights come from the tracked layers), plus Keras's
// training API: compile, fit, evaluate, predict, summary, weight files and checkpoints.
//
//   struct Regressor : loom::Model<float> {
//     std::shared_ptr<loom::Dense<float>> hidden = track(std::make_shared<loom::Dense<float>>(16,
//         loom::DenseOptions{.activation = "tanh"}));
//     std::shared_ptr<loom::Dense<float>> out = track(std::make_shared<loom::Dense<float>>(1));
//     loom::Tensor<float> call(const loom::Tensor<float>& x, bool training) override {
//       return (*out)((*hidden)(x, training), training);
//     }
//   };
//
// One training step (fit's, and train_on_batch's) is a GradientTape step: forward with
// training = true, the compiled loss (masked by the output mask) plus regularization_loss(), the
// gradients of the trainable weights, then optimizer.apply_gradients (which applies constraints).
// Evaluation and prediction run with training = false under NoGradGuard.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "layers/layer.hpp"
#include "optim/optimizer.hpp"
#include "train/checkpoint.hpp"
#include "train/data/dataset.hpp"
#include "train/history.hpp"
#include "train/losses.hpp"
#include "train/metrics.hpp"
#include "train/torch_weights.hpp"

namespace loom {

namespace callbacks {
template <class T>
class Callback;
}
namespace distribute {
class Communicator;
}
namespace detail {
template <class T>
class FitStrategy;
template <class T>
class SingleProcessFit;
template <class T>
class DataParallelFit;
}  // namespace detail

// A loss or metric by Keras identifier ("mse", "mae", "accuracy", ...) or as an object.
template <class T>
using LossArg = std::variant<std::string, std::shared_ptr<const losses::Loss<T>>>;
template <class T>
using MetricArg = std::variant<std::string, std::shared_ptr<metrics::Metric<T>>>;
template <class T>
using CallbackPtr = std::shared_ptr<callbacks::Callback<T>>;

template <class T = float>
struct FitOptions {
  std::size_t epochs = 1;
  // Used when fit gets arrays, or a Dataset that is not batched yet.
  std::size_t batch_size = 32;
  // Arrays only: reshuffle the training samples every epoch; epoch e's order is a function of
  // (seed, e), so a resumed fit sees the orders a straight one would.
  bool shuffle = true;
  std::uint64_t seed = 0;
  // Arrays only: the last fraction of the samples (taken before shuffling, as Keras) validates.
  double validation_split = 0.0;
  // Batched with batch_size when not batched. Takes precedence over validation_split.
  std::optional<Dataset<T>> validation_data;
  std::vector<CallbackPtr<T>> callbacks;
  // 0 silent, 1 progress bar (one line per epoch when the stream is not a terminal), 2 one line
  // per epoch.
  int verbose = 1;
  // Resume: the first epoch to run (epochs before it count as done), and how many batches of it a
  // mid-epoch checkpoint had already run (they are skipped).
  std::size_t initial_epoch = 0;
  std::size_t initial_step = 0;
  // Adds TerminateOnNaN unless the callbacks hold one already. While it is on, a batch with a
  // non-finite loss does not update the weights.
  bool terminate_on_nan = true;
  // Where progress and messages go; nullptr means std::cout.
  std::ostream* out = nullptr;
  // Data-parallel training (docs/distributed.md): every rank of the communicator calls fit with the
  // same arguments and data. batch_size is then the global batch: each batch of the (identically
  // shuffled) order is split into contiguous slices, one per rank; the gradients are averaged by one
  // all-reduce per step, so every rank applies the same update as one process on the whole batch.
  // fit starts from rank 0's weights, optimizer state and random state; only rank 0 prints, and
  // ModelCheckpoint/CSVLogger write only on rank 0. nullptr: the ordinary single-process fit.
  std::shared_ptr<distribute::Communicator> communicator;
};

template <class T = float>
struct EvaluateOptions {
  std::size_t batch_size = 32;
  int verbose = 1;
  std::vector<CallbackPtr<T>> callbacks;
  std::ostream* out = nullptr;
};

struct PredictOptions {
  std::size_t batch_size = 32;
  int verbose = 0;
  std::ostream* out = nullptr;
};

// Registers train/'s layer classes (Sequential) with the layer registries, once; every Model's
// constructor calls it, and so must a reader of model files before it meets its first config.
void register_model_classes();

template <class T = float>
class Model : public Layer<T> {
 public:
  explicit Model(std::string name = "");
  ~Model() override;

  // The forward pass. Masks: a model whose output carries a mask (Sequential after Masking or
  // Embedding(mask_zero)) sets it with set_output_mask(); fit uses it for the loss and metrics.
  virtual Tensor<T> call(const Tensor<T>& x, bool training) = 0;
  // The Layer form of call, so that models nest as layers.
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  // The output mask of this thread's last call of this model (undefined when the output has none).
  Tensor<T> compute_mask(const Tensor<T>& x, const Tensor<T>& mask) const override;
  Tensor<T> output_mask() const { return compute_mask(Tensor<T>(), Tensor<T>()); }

  // Builds every weight by calling the model once, with training = false and no tape, on zeros of
  // `input_shape` (batch axis included). The first real call builds the same way without it.
  void build(const Shape& input_shape) override;

  // Makes a layer part of the model (its weights, losses and summary row); returns it.
  template <class L>
  std::shared_ptr<L> track(std::shared_ptr<L> layer) {
    add_tracked(layer);
    return layer;
  }
  const std::vector<std::shared_ptr<Layer<T>>>& layers() const { return layers_; }
  std::vector<std::shared_ptr<Layer<T>>> sublayers() const override { return layers_; }
  // Throws ValueError listing the layer names when there is no such layer.
  std::shared_ptr<Layer<T>> get_layer(const std::string& name) const;

  // Keras's compile. "accuracy"/"acc" becomes the accuracy that fits the loss (binary, sparse
  // categorical or categorical), as Keras does. A null optimizer or loss throws ValueError.
  void compile(std::shared_ptr<optimizers::Optimizer<T>> optimizer, LossArg<T> loss,
               std::vector<MetricArg<T>> metrics = {});
  bool compiled() const { return optimizer_ != nullptr && loss_ != nullptr; }
  const std::shared_ptr<optimizers::Optimizer<T>>& optimizer() const { return optimizer_; }
  const std::shared_ptr<const losses::Loss<T>>& loss() const { return loss_; }
  // The names fit logs the metrics under (the identifiers given, or the objects' names).
  const std::vector<std::string>& metric_names() const { return metric_names_; }
  // Keras's get_compile_config: {"optimizer": its envelope, "loss": the identifier, "metrics":
  // [identifiers] or null, "loss_weights": null, "weighted_metrics": null, "run_eagerly": false,
  // "steps_per_execution": 1, "jit_compile": false}. Losses and metrics have no configs in loom, so
  // a model compiled with a loss or metric object throws ValueError naming it (compile with its
  // identifier to save it); so does an uncompiled model.
  Config get_compile_config() const;
  // Keras's compile_from_config: compile() from what get_compile_config gave. A bad field throws
  // ValueError naming it; the model is not changed then.
  void compile_from_config(const Config& config);

  // x and y share their first (sample) axis. Throws ValueError when not compiled, for epochs or
  // batch_size of 0, a validation_split outside [0, 1), or validation_split with a Dataset.
  History fit(const Tensor<T>& x, const Tensor<T>& y, FitOptions<T> options = {});
  History fit(const Dataset<T>& data, FitOptions<T> options = {});
  // "loss" (including regularization losses, as Keras) and the metrics, over all batches.
  Logs evaluate(const Tensor<T>& x, const Tensor<T>& y, EvaluateOptions<T> options = {});
  Logs evaluate(const Dataset<T>& data, EvaluateOptions<T> options = {});
  // The outputs of every batch, concatenated on the sample axis.
  Tensor<T> predict(const Tensor<T>& x, PredictOptions options = {});

  // One training step on one batch; returns that batch's "loss" and metrics (the metrics are reset
  // first, as Keras's train_on_batch with reset_metrics=True).
  Logs train_on_batch(const Tensor<T>& x, const Tensor<T>& y);
  Logs test_on_batch(const Tensor<T>& x, const Tensor<T>& y);

  // Sum of every layer's regularization penalty (a scalar, recorded on an active tape); zero when
  // no layer has a regularizer.
  Tensor<T> regularization_loss() const;

  // Keras-style table: one row per tracked layer ("name (Type)", output shape with the batch axis
  // as None, parameter count), then total / trainable / non-trainable counts. Output shapes are
  // those of the last call ("?" before one; Sequential records them).
  std::string summary_string() const;
  void summary(std::ostream& out) const;
  void summary() const;

  // Weight files: numpy .npz, one array per weight keyed by its structural path
  // (layers/weight_paths.hpp, e.g. "sequential/gru/gru_cell/kernel"), written atomically; files
  // of loom 0.1 (keyed by layer names) still load (train/weight_keys.hpp). load_weights also takes
  // a model file of save() and reads its weights, as Keras's does a .keras file. It validates the
  // whole file before changing anything: a missing or extra name, or an unreadable file, throws
  // IOError, a wrong shape ShapeError, each naming the weight. The model must be
  // built (called once, or build()) before either.
  void save_weights(const std::string& path) const;
  void load_weights(const std::string& path);
  // The same with a choice of format: {.format = WeightsFormat::torch} reads and writes the
  // recurrent layers in PyTorch's keys and layout (train/torch_weights.hpp, docs/interop.md).
  void save_weights(const std::string& path, const WeightsFileOptions& options) const;
  void load_weights(const std::string& path, const WeightsFileOptions& options);

  // Keras's model.save: the whole model in one archive (architecture, weights by path and, when
  // compiled, the optimizer and everything a checkpoint holds), written atomically; loom::load_model
  // rebuilds it. Declared here, defined in saving/model_file.cpp (saving/saving.hpp); throws as
  // loom::save_model does.
  void save(const std::string& path) const;

  // What a checkpoint holds besides the weights and the optimizer: `info`, the loss tracker and
  // the history; and its restore (load_checkpoint's last step).
  CheckpointState checkpoint_state(const CheckpointInfo& info) const;
  void restore_checkpoint_state(const CheckpointState& state);

  // Full checkpoint in one atomically written .npz: weights, optimizer state, learning rate,
  // the default generator's state, history and `info`. load_checkpoint restores all of it (after
  // validating everything, like load_weights) and returns `info`. Needs a compiled, built model.
  void save_checkpoint(const std::string& path, const CheckpointInfo& info) const;
  CheckpointInfo load_checkpoint(const std::string& path);

  // Keras's model.stop_training: set by callbacks to end fit after the current batch or epoch.
  bool stop_training = false;
  // Why the last fit stopped early ("" when it ran every epoch or a callback gave no reason).
  const std::string& stop_reason() const { return stop_reason_; }
  void set_stop_reason(std::string why) { stop_reason_ = std::move(why); }
  // The history of the last fit (a resumed fit continues the one a checkpoint restored).
  const History& history() const { return history_; }
  void set_history(History h) { history_ = std::move(h); }

  // The communicator of the data-parallel fit running now (null otherwise): callbacks that write
  // files do so only on its rank 0.
  const std::shared_ptr<distribute::Communicator>& communicator() const;

  // The output shape of the last call of a layer, recorded by models that see it (Sequential).
  void record_output_shape(const Layer<T>* layer, const Shape& shape);

 protected:
  // The output mask of the call running now in this thread, which compute_mask() then returns.
  void set_output_mask(Tensor<T> mask);
  // The mask the running call was given (from an enclosing model; undefined otherwise). Both masks
  // live in the calling thread, so that two threads may call one model at once (docs/threads.md).
  const Tensor<T>& input_mask() const;
  // The layers of a model take inputs of any feature size they accept (ids, sequences).
  bool fixed_input_features() const override { return false; }
  void check_input(const Tensor<T>& x) const override;

 private:
  void add_tracked(std::shared_ptr<Layer<T>> layer);
  void require_compiled(const char* who) const;
  // One step; returns the total loss (data + regularization) of the batch.
  double train_step(const Batch<T>& b, bool skip_non_finite);
  double test_step(const Batch<T>& b);
  void reset_metrics();
  // The running loss and metrics; empty when no batch has run.
  Logs collect_logs() const;
  History fit_impl(const Dataset<T>& train, const std::optional<Dataset<T>>& val, FitOptions<T>& o);
  // With a stateful RNN in the model: every batch of `data` has `expected` samples (or, with 0, the
  // first batch's count), else ValueError before any step. Returns that size (0 without one).
  std::size_t check_stateful_batches(const std::string& who, const Dataset<T>& data, const char* what,
                                     std::size_t expected) const;
  History fit_loop(const Dataset<T>& train, const std::optional<Dataset<T>>& val, FitOptions<T>& o);
  // Every batch goes through `how`: one process, or this rank's slices with the logs summed.
  Logs evaluate_impl(const Dataset<T>& data, const std::vector<CallbackPtr<T>>& cbs, int verbose,
                     std::ostream* out, detail::FitStrategy<T>& how);
  // fit's and evaluate's check of array arguments: defined, and as many samples in y as in x.
  void check_arrays(const std::string& who, const Tensor<T>& x, const Tensor<T>& y) const;

  // The fit strategies step the model through the private steps and trackers above and below.
  friend class detail::SingleProcessFit<T>;
  friend class detail::DataParallelFit<T>;

  std::vector<std::shared_ptr<Layer<T>>> layers_;
  std::vector<std::pair<const Layer<T>*, Shape>> output_shapes_;
  std::shared_ptr<optimizers::Optimizer<T>> optimizer_;
  std::shared_ptr<const losses::Loss<T>> loss_;
  std::vector<std::shared_ptr<metrics::Metric<T>>> metrics_;
  std::vector<std::string> metric_names_;
  // The identifiers compile() was given, for get_compile_config: "" for a loss or metric object.
  std::string loss_identifier_;
  std::vector<std::string> metric_identifiers_;
  History history_;
  std::string stop_reason_;
  mutable std::mutex output_shapes_mu_;  // calls in several threads record shapes (docs/threads.md)
  // Set by the first call's check_input, before the build that call triggers: build() then skips its
  // own pass. Written only while unbuilt, so calls of a built model write nothing here.
  mutable bool in_call_ = false;
  double tracker_total_ = 0.0, tracker_count_ = 0.0;  // Keras's loss tracker (batch-size weighted)
  bool tracker_restored_ = false;  // a mid-epoch checkpoint restored the tracker for the next fit
  // strategy_ is the running fit's strategy, single_ (one process) outside a fit.
  std::unique_ptr<detail::FitStrategy<T>> single_;
  detail::FitStrategy<T>* strategy_ = nullptr;
};

extern template class Model<float>;
extern template class Model<double>;

}  // namespace loom
