#pragma once
// SGD with Keras's momentum form: m = momentum * m - lr * g, then w += m, or with nesterov
// w += momentum * m - lr * g. Without momentum: w -= lr * g.
#include <memory>
#include <optional>
#include <string>

#include "optim/optimizer.hpp"

namespace loom::optimizers {

struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name = "SGD";
};

// Slot: "momentum" when momentum != 0.
template <class T = float>
class SGD : public Optimizer<T> {
 public:
  explicit SGD(const SGDOptions& options = {});
  SGDOptions options() const;
  // Keras 3's config: the shared fields (Optimizer::get_config), then SGD's own.
  Config get_config() const override;
  // The inside of the envelope; every field checked, unknown ones refused (ValueError).
  static std::shared_ptr<SGD> from_config(const Config& config);

 protected:
  void update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                   const typename Optimizer<T>::StepInfo& info) override;

 private:
  SGDOptions o_;
};

extern template class SGD<float>;
extern template class SGD<double>;

}  // namespace loom::optimizers
