#pragma once
// Sequential: a plain stack of layers, each fed the previous one's output, as keras.Sequential.
// Masks propagate: each layer gets the mask the layers before it produced (compute_mask), so a
// Masking or Embedding(mask_zero) layer masks the RNNs after it, and the model's output mask (an
// RNN with return_sequences keeps it) masks the loss and metrics in fit and evaluate.
//
//   loom::Sequential model;
//   model.add(loom::GRU(32));                      // a fresh layer, moved into the model
//   model.add(loom::Dense(1, {.activation = "relu"}));
//
// add also takes a shared_ptr (model.add(std::make_shared<loom::GRU<float>>(32))), which keeps a
// handle on the layer, e.g. to share it between models.
#include <concepts>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "train/model.hpp"

namespace loom {

template <class T = float>
class Sequential : public Model<T> {
 public:
  explicit Sequential(std::string name = "");
  explicit Sequential(std::vector<std::shared_ptr<Layer<T>>> layers, std::string name = "");

  // A null layer, or a name already in the model, throws ValueError.
  void add(std::shared_ptr<Layer<T>> layer);
  // A layer by value (a temporary or std::move'd), moved into a shared_ptr. Only a fresh layer may
  // be moved: not one that is built or already part of a model (see Layer's move constructor).
  template <class L>
    requires std::derived_from<std::remove_cvref_t<L>, Layer<T>> && std::move_constructible<std::remove_cvref_t<L>> &&
             (!std::is_lvalue_reference_v<L>)
  void add(L&& layer) {
    add(std::shared_ptr<Layer<T>>(std::make_shared<std::remove_cvref_t<L>>(std::move(layer))));
  }
  // Keras's config: {"name", "trainable", "dtype", "layers": [each layer serialized],
  // "build_input_shape": [null, ...] once built}; from_config rebuilds (and builds) the stack.
  Config get_config() const override;
  static std::shared_ptr<Sequential> from_config(const Config& config);
  using Model<T>::call;
  // Calling an empty Sequential throws ValueError.
  Tensor<T> call(const Tensor<T>& x, bool training) override;
};

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace loom
