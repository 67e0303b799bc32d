#pragma once
// Sequential: a plain stack of layers, each fed the previous one's output, as keras.Sequential.
// Masks propagate: each layer gets the mask the layers before it produced (compute_mask), so a
// Masking or Embedding(mask_zero) layer masks the RNNs after it, and the model's output mask (an
// RNN with return_sequences keeps it) masks the loss and metrics in fit and evaluate.
//
//   auto model = std::make_shared<loom::Sequential<float>>();
//   model->add(std::make_shared<loom::GRU<float>>(32));
//   model->add(std::make_shared<loom::Dense<float>>(1));
#include <initializer_list>
#include <memory>
#include <string>
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
  using Model<T>::call;
  // Calling an empty Sequential throws ValueError.
  Tensor<T> call(const Tensor<T>& x, bool training) override;
};

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace loom
