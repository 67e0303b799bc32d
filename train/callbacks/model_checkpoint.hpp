#pragma once
// ModelCheckpoint: saves the model during fit, atomically, every epoch (save_freq = 0) or every
// save_freq batches. By default it writes a full checkpoint (Model::save_checkpoint: weights,
// optimizer state, RNG state, history, position), from which fit resumes exactly; with
// save_weights_only it writes a weights file (Model::save_weights). save_best_only writes only when
// the monitored value improves. The path may hold Keras-style fields, filled from the 1-based
// epoch and the logs: "ckpt-{epoch:02d}-{val_loss:.3f}.npz".
// Nothing is written after a non-finite loss, so the last good checkpoint is kept.
#include <cstddef>
#include <optional>
#include <string>

#include "train/callbacks/callback.hpp"
#include "train/callbacks/monitor.hpp"

namespace loom::callbacks {

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = false;
  std::string mode = "auto";
  // 0: at the end of every epoch (Keras's "epoch"); N: after every N training batches.
  std::size_t save_freq = 0;
  // With save_best_only: a value the monitor must beat before anything is saved.
  std::optional<double> initial_value_threshold;
};

template <class T = float>
class ModelCheckpoint : public Callback<T> {
 public:
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_begin(std::size_t epoch, const Logs& logs) override;
  void on_epoch_end(std::size_t epoch, Logs& logs) override;
  void on_train_batch_end(std::size_t batch, const Logs& logs) override;

  // The path with its fields filled in for a 0-based epoch and these logs. An unknown field or
  // format throws ValueError.
  std::string format_path(std::size_t epoch, const Logs& logs) const;
  // Number of files written in this run, and the last one's path.
  std::size_t saves() const { return saves_; }
  const std::string& last_path() const { return last_path_; }

 private:
  void save(std::size_t epoch, std::size_t step, const Logs& logs);
  std::string filepath_;
  ModelCheckpointOptions o_;
  Monitor monitor_;
  double best_ = 0.0;
  std::size_t epoch_ = 0, batches_since_save_ = 0, saves_ = 0;
  std::string last_path_;
};

extern template class ModelCheckpoint<float>;
extern template class ModelCheckpoint<double>;

}  // namespace loom::callbacks
