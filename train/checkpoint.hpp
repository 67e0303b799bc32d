#pragma once
// Full training checkpoints: everything fit needs to continue as if it had never stopped, in one
// .npz written atomically (so a crash at any moment leaves the previous checkpoint or the new one):
//   "weights/<path>"           every weight of the model (trainable or not) by its structural
//                              path (layers/weight_paths.hpp)
//   "optimizer/<key>"          Optimizer::get_state(): "iterations" and "<path>/<slot>" (the
//                              optimizer keys slots by variable name; the file by path)
//   "state/<layer path>:<key>" Layer::extra_state() of every layer that has one: its own dropout
//                              generator, a stateful RNN's carried states
//   "checkpoint/meta"          a text record (one byte per array element, read it in numpy with
//                              bytes(a.astype('u1')).decode()): format version, epoch, step,
//                              the constant learning rate, the default generator's state, the
//                              loss tracker of a mid-epoch checkpoint and the history, with every
//                              double written as a hex float so it round-trips exactly.
#include <cstddef>
#include <map>
#include <string>

#include "layers/layer.hpp"
#include "optim/optimizer.hpp"
#include "train/history.hpp"

namespace loom {

// Where a checkpoint stands: `epoch` epochs are complete and `step` batches of the next one have
// run. Resume with fit(..., {.initial_epoch = info.epoch, .initial_step = info.step}).
struct CheckpointInfo {
  std::size_t epoch = 0;
  std::size_t step = 0;
};

struct CheckpointState {
  CheckpointInfo info;
  // The batch-size weighted loss sum and sample count of the epoch's batches so far (step > 0).
  double loss_total = 0.0, loss_count = 0.0;
  History history;
};

// The optimizer may be null (a model that was never compiled): no optimizer state is stored. With
// an optimizer, its slots are built for the model's trainable weights first, so a checkpoint taken
// before the first step still restores.
template <class T>
void save_checkpoint(const Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                     const CheckpointState& state, const std::string& path);

// Reads and validates everything (weights by name and shape, optimizer keys and shapes, the meta
// record) before changing anything; then sets the weights, the optimizer state and learning rate,
// and default_generator()'s state, and returns the rest. A file with optimizer state needs an
// optimizer (ValueError otherwise). Bad files throw IOError (ShapeError for a wrong weight shape).
template <class T>
CheckpointState load_checkpoint(Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                                const std::string& path);

// The arrays of a checkpoint file and their restore, for archives that hold a checkpoint inside
// them (saving/). restore_checkpoint_arrays validates as load_checkpoint does; `what` names the
// source in messages.
template <class T>
std::map<std::string, Tensor<T>> checkpoint_arrays(const Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                                                   const CheckpointState& state);
template <class T>
CheckpointState restore_checkpoint_arrays(Layer<T>& model, optimizers::Optimizer<T>* optimizer,
                                          const std::map<std::string, Tensor<T>>& arrays, const std::string& what);

#define LOOM_EXTERN_CHECKPOINT(T)                                                                    \
  extern template void save_checkpoint<T>(const Layer<T>&, optimizers::Optimizer<T>*,                \
                                          const CheckpointState&, const std::string&);               \
  extern template CheckpointState load_checkpoint<T>(Layer<T>&, optimizers::Optimizer<T>*,           \
                                                     const std::string&);                          \
  extern template std::map<std::string, Tensor<T>> checkpoint_arrays<T>(const Layer<T>&,             \
                                                                        optimizers::Optimizer<T>*,   \
                                                                        const CheckpointState&);     \
  extern template CheckpointState restore_checkpoint_arrays<T>(                                      \
      Layer<T>&, optimizers::Optimizer<T>*, const std::map<std::string, Tensor<T>>&, const std::string&);
LOOM_EXTERN_CHECKPOINT(float)
LOOM_EXTERN_CHECKPOINT(double)
#undef LOOM_EXTERN_CHECKPOINT

}  // namespace loom
