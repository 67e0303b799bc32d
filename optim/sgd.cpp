#include "optim/sgd.hpp"

#include "optim/validate.hpp"

namespace loom::optimizers {

template <class T>
SGD<T>::SGD(const SGDOptions& options)
    : Optimizer<T>("SGD", common_options_of(options),
                   options.momentum != 0.0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{}),
      o_(options) {
  detail::check_unit_closed("SGD", "momentum", o_.momentum);
}

template <class T>
SGDOptions SGD<T>::options() const {
  SGDOptions o = o_;
  o.learning_rate = this->learning_rate_setting();
  return o;
}

template <class T>
void SGD<T>::update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                         const typename Optimizer<T>::StepInfo& info) {
  const T lr = info.learning_rate;
  if (o_.momentum == 0.0) {
    for (std::size_t k = 0; k < n; ++k) w[k] -= g[k] * lr;
    return;
  }
  const T mom = static_cast<T>(o_.momentum);
  T* m = slots[0].data();
  if (o_.nesterov) {
    for (std::size_t k = 0; k < n; ++k) {
      m[k] = m[k] * mom - g[k] * lr;
      w[k] += m[k] * mom - g[k] * lr;
    }
  } else {
    for (std::size_t k = 0; k < n; ++k) {
      m[k] = m[k] * mom - g[k] * lr;
      w[k] += m[k];
    }
  }
}

template class SGD<float>;
template class SGD<double>;

}  // namespace loom::optimizers
