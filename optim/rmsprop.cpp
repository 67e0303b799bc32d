#include "optim/rmsprop.hpp"

#include <cmath>

#include "optim/optimizer_config.hpp"
#include "core/checks.hpp"

namespace loom::optimizers {

namespace {
std::vector<std::string> rmsprop_slots(const RMSpropOptions& o) {
  std::vector<std::string> s{"velocity"};
  if (o.momentum > 0) s.push_back("momentum");
  if (o.centered) s.push_back("average_gradient");
  return s;
}
}  // namespace

template <class T>
RMSprop<T>::RMSprop(const RMSpropOptions& options)
    : Optimizer<T>("RMSprop", common_options_of(options), rmsprop_slots(options)), o_(options) {
  check::unit_open("RMSprop", "rho", o_.rho);
  check::unit_closed("RMSprop", "momentum", o_.momentum);
  check::non_negative("RMSprop", "epsilon", o_.epsilon);
}

template <class T>
RMSpropOptions RMSprop<T>::options() const {
  RMSpropOptions o = o_;
  o.learning_rate = this->learning_rate_setting();
  return o;
}

template <class T>
void RMSprop<T>::update_step(const T* g, T* w, std::size_t n, Tensor<T>* slots,
                             const typename Optimizer<T>::StepInfo& info) {
  const T lr = info.learning_rate;
  const T rho = static_cast<T>(o_.rho);
  const T one_minus_rho = static_cast<T>(1.0 - o_.rho);
  const T eps = static_cast<T>(o_.epsilon);
  const T mom = static_cast<T>(o_.momentum);
  const bool use_momentum = o_.momentum > 0;
  T* v = slots[0].data();
  T* mo = use_momentum ? slots[1].data() : nullptr;
  T* avg = o_.centered ? slots[use_momentum ? 2 : 1].data() : nullptr;
  for (std::size_t k = 0; k < n; ++k) {
    v[k] = rho * v[k] + one_minus_rho * (g[k] * g[k]);
    T denominator;
    if (avg) {
      avg[k] = rho * avg[k] + one_minus_rho * g[k];
      denominator = v[k] - avg[k] * avg[k] + eps;
    } else {
      denominator = v[k] + eps;
    }
    const T increment = (lr * g[k]) / std::sqrt(denominator);
    if (mo) {
      mo[k] = mom * mo[k] + increment;
      w[k] -= mo[k];
    } else {
      w[k] -= increment;
    }
  }
}

template <class T>
Config RMSprop<T>::get_config() const {
  Config c = Optimizer<T>::get_config();
  c["rho"] = o_.rho;
  c["momentum"] = o_.momentum;
  c["epsilon"] = o_.epsilon;
  c["centered"] = o_.centered;
  return c;
}

template <class T>
std::shared_ptr<RMSprop<T>> RMSprop<T>::from_config(const Config& config) {
  config::Reader r(config, "RMSprop.from_config");
  RMSpropOptions o;
  read_common_options(r, o);
  o.rho = r.number("rho", o.rho);
  o.momentum = r.number("momentum", o.momentum);
  o.epsilon = r.number("epsilon", o.epsilon);
  o.centered = r.boolean("centered", o.centered);
  r.finish();
  return std::make_shared<RMSprop<T>>(o);
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace loom::optimizers
