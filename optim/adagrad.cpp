#include "optim/adagrad.hpp"

#include <cmath>

#include "optim/optimizer_config.hpp"
#include "core/checks.hpp"

namespace loom::optimizers {

template <class T>
Adagrad<T>::Adagrad(const AdagradOptions& options)
    : Optimizer<T>("Adagrad", common_options_of(options), {"accumulator"}), o_(options) {
  check::non_negative("Adagrad", "initial_accumulator_value", o_.initial_accumulator_value);
  check::non_negative("Adagrad", "epsilon", o_.epsilon);
}

template <class T>
AdagradOptions Adagrad<T>::options() const {
  AdagradOptions o = o_;
  o.learning_rate = this->learning_rate_setting();
  return o;
}

template <class T>
void Adagrad<T>::update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                             const typename Optimizer<T>::StepInfo& info) {
  const T lr = info.learning_rate;
  const T eps = static_cast<T>(o_.epsilon);
  T* acc = slots[0].data();
  for (std::size_t k = 0; k < n; ++k) {
    acc[k] += g[k] * g[k];
    w[k] -= (lr * g[k]) / std::sqrt(acc[k] + eps);
  }
}

template <class T>
Config Adagrad<T>::get_config() const {
  Config c = Optimizer<T>::get_config();
  c["initial_accumulator_value"] = o_.initial_accumulator_value;
  c["epsilon"] = o_.epsilon;
  return c;
}

template <class T>
std::shared_ptr<Adagrad<T>> Adagrad<T>::from_config(const Config& config) {
  config::Reader r(config, "Adagrad.from_config");
  AdagradOptions o;
  read_common_options(r, o);
  o.initial_accumulator_value = r.number("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = r.number("epsilon", o.epsilon);
  r.finish();
  return std::make_shared<Adagrad<T>>(o);
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace loom::optimizers
