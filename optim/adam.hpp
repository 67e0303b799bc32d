#pragma once
// Adam with Keras's update (docs/keras_contract.md §7.1): the bias corrections fold into the step
// size and epsilon sits outside the square root of the uncorrected second moment,
//   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),  w -= alpha * m / (sqrt(v) + epsilon).
// This is not PyTorch's placement, which amounts to a time-varying epsilon * sqrt(1 - beta_2^t).
#include <memory>
#include <optional>
#include <string>

#include "optim/optimizer.hpp"

namespace loom::optimizers {

struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "adam";
};

// Slots: "momentum", "velocity", and "velocity_hat" with amsgrad.
template <class T = float>
class Adam : public Optimizer<T> {
 public:
  explicit Adam(const AdamOptions& options = {});
  // The options, with the learning rate currently set.
  AdamOptions options() const;
  // Keras 3's config: the shared fields (Optimizer::get_config), then Adam's own.
  Config get_config() const override;
  // The inside of the envelope; every field checked, unknown ones refused (ValueError).
  static std::shared_ptr<Adam> from_config(const Config& config);

 protected:
  Adam(const AdamOptions& options, std::string class_name);
  void update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                   const typename Optimizer<T>::StepInfo& info) override;

 private:
  AdamOptions o_;
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace loom::optimizers
