#pragma once
// AdamW: Adam with decoupled weight decay on by default (Keras's 0.004; PyTorch's is 0.01). The
// decay w -= w * weight_decay * lr runs before the Adam update, at the same learning rate.
#include <memory>
#include <optional>
#include <string>

#include "optim/adam.hpp"

namespace loom::optimizers {

struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay = 0.004;  // required: unset throws ValueError, as in Keras
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "adamw";
};

template <class T = float>
class AdamW : public Adam<T> {
 public:
  explicit AdamW(const AdamWOptions& options = {});
  // Adam's get_config serves (Keras's AdamW has no fields of its own); weight_decay null ->
  // ValueError, as the constructor.
  static std::shared_ptr<AdamW> from_config(const Config& config);
};

extern template class AdamW<float>;
extern template class AdamW<double>;

}  // namespace loom::optimizers
