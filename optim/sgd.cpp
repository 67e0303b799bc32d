#include "optim/sgd.hpp"

#include "optim/optimizer_config.hpp"
#include "core/checks.hpp"

namespace loom::optimizers {

template <class T>
SGD<T>::SGD(const SGDOptions& options)
    : Optimizer<T>("SGD", common_options_of(options),
                   options.momentum != 0.0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{}),
      o_(options) {
  check::unit_closed("SGD", "momentum", o_.momentum);
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

template <class T>
Config SGD<T>::get_config() const {
  Config c = Optimizer<T>::get_config();
  c["momentum"] = o_.momentum;
  c["nesterov"] = o_.nesterov;
  return c;
}

template <class T>
std::shared_ptr<SGD<T>> SGD<T>::from_config(const Config& config) {
  config::Reader r(config, "SGD.from_config");
  SGDOptions o;
  read_common_options(r, o);
  o.momentum = r.number("momentum", o.momentum);
  o.nesterov = r.boolean("nesterov", o.nesterov);
  r.finish();
  return std::make_shared<SGD<T>>(o);
}

template class SGD<float>;
template class SGD<double>;

}  // namespace loom::optimizers
