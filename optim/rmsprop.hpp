#pragma once
// RMSprop with Keras 3's update: v = rho * v + (1 - rho) * g^2, and epsilon INSIDE the root,
//   increment = lr * g / sqrt(v + epsilon)            (centered: sqrt(v - a^2 + epsilon),
//                                                       a = rho * a + (1 - rho) * g),
// then w -= increment, or with momentum: mo = momentum * mo + increment, w -= mo.
// (tf.keras's OptimizerV2 put epsilon outside the root.)
#include <memory>
#include <optional>
#include <string>

#include "optim/optimizer.hpp"

namespace loom::optimizers {

struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "rmsprop";
};

// Slots: "velocity", then "momentum" when momentum > 0, then "average_gradient" when centered.
template <class T = float>
class RMSprop : public Optimizer<T> {
 public:
  explicit RMSprop(const RMSpropOptions& options = {});
  RMSpropOptions options() const;
  // Keras 3's config: the shared fields (Optimizer::get_config), then RMSprop's own.
  Config get_config() const override;
  // The inside of the envelope; every field checked, unknown ones refused (ValueError).
  static std::shared_ptr<RMSprop> from_config(const Config& config);

 protected:
  void update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                   const typename Optimizer<T>::StepInfo& info) override;

 private:
  RMSpropOptions o_;
};

extern template class RMSprop<float>;
extern template class RMSprop<double>;

}  // namespace loom::optimizers
