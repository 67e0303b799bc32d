#pragma once
// Adagrad as Keras: accumulator (starting at initial_accumulator_value) += g^2, then
// w -= lr * g / sqrt(accumulator + epsilon), epsilon inside the root.
#include <memory>
#include <optional>
#include <string>

#include "optim/optimizer.hpp"

namespace loom::optimizers {

struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "adagrad";
};

// Slot: "accumulator".
template <class T = float>
class Adagrad : public Optimizer<T> {
 public:
  explicit Adagrad(const AdagradOptions& options = {});
  AdagradOptions options() const;
  // Keras 3's config: the shared fields (Optimizer::get_config), then Adagrad's own.
  Config get_config() const override;
  // The inside of the envelope; every field checked, unknown ones refused (ValueError).
  static std::shared_ptr<Adagrad> from_config(const Config& config);

 protected:
  void update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                   const typename Optimizer<T>::StepInfo& info) override;
  T initial_slot_value(std::size_t) const override { return static_cast<T>(o_.initial_accumulator_value); }

 private:
  AdagradOptions o_;
};

extern template class Adagrad<float>;
extern template class Adagrad<double>;

}  // namespace loom::optimizers
