#include "autograd/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/no_grad.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"

namespace loom {

std::string GradcheckResult::str() const {
  std::ostringstream os;
  os << (ok ? "ok" : "FAILED") << ": max relative error " << max_rel_error << ", max absolute error "
     << max_abs_error;
  if (!worst.empty()) os << " (worst at " << worst << ")";
  return os.str();
}

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& opt) {
  if (inputs.empty()) throw ValueError("gradcheck: inputs expected at least one tensor, received none");
  if (!(opt.eps > 0)) throw ValueError("gradcheck: eps expected > 0, received " + std::to_string(opt.eps));
  // Private copies, so perturbing them cannot touch the caller's data.
  std::vector<Tensor<double>> xs;
  for (const auto& x : inputs) xs.push_back(x.clone());

  Tensor<double> projection;
  auto loss_of = [&](const Tensor<double>& y) { return sum(mul(y, projection)); };

  std::vector<Tensor<double>> analytic;
  {
    GradientTape<double> tape;
    for (const auto& x : xs) tape.watch(x);
    auto y = f(xs);
    Generator g(opt.seed);
    projection = random::uniform<double>(y.shape(), -1.0, 1.0, g);
    analytic = tape.gradient(loss_of(y), xs);
  }

  GradcheckResult r;
  r.ok = true;
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    double* p = xs[i].data();
    const double* a = analytic[i].data();
    for (std::size_t j = 0; j < xs[i].size(); ++j) {
      const double orig = p[j];
      p[j] = orig + opt.eps;
      const double lp = loss_of(f(xs)).item();
      p[j] = orig - opt.eps;
      const double lm = loss_of(f(xs)).item();
      p[j] = orig;
      const double num = (lp - lm) / (2 * opt.eps);
      const double err = std::abs(a[j] - num);
      const double rel = err / std::max({std::abs(a[j]), std::abs(num), opt.floor});
      r.max_abs_error = std::max(r.max_abs_error, err);
      if (rel > r.max_rel_error || std::isnan(rel)) {
        r.max_rel_error = std::isnan(rel) ? INFINITY : rel;
        std::ostringstream os;
        os.precision(12);
        os << "input " << i << ", element " << j << ": analytic " << a[j] << ", numeric " << num;
        r.worst = os.str();
      }
    }
  }
  r.ok = r.max_rel_error <= opt.rtol;
  return r;
}

template <class T>
void bind_variable(const Variable<T>& var, const Tensor<T>& src) {
  Variable<T>(var).assign(src);
  if (autograd::should_record<T>({&src}))
    autograd::record<T>("bind_variable", {&src}, {&var.value()}, [](BackwardCtx<T>& c) { c.grad_in[0] = c.g(0); });
}

GradcheckResult gradcheck_weights(const GradcheckFn& f, const std::vector<Tensor<double>>& inputs,
                                  const std::vector<Variable<double>>& weights,
                                  const std::vector<Tensor<double>>& weight_values, const GradcheckOptions& opt) {
  if (weight_values.size() != weights.size())
    throw ValueError("gradcheck_weights: weight_values expected one tensor per weight, " +
                     std::to_string(weights.size()) + ", received " + std::to_string(weight_values.size()));
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (!weight_values[i].defined() || weight_values[i].shape() != weights[i].shape())
      throw ShapeError("gradcheck_weights: weight_values[" + std::to_string(i) + "] expected the shape of weight '" +
                       weights[i].name() + "', " + weights[i].shape().str() + ", received " +
                       (weight_values[i].defined() ? weight_values[i].shape().str() : std::string("undefined")));
  const std::size_t n = inputs.size();
  std::vector<Tensor<double>> all = inputs;
  all.insert(all.end(), weight_values.begin(), weight_values.end());
  auto bound = [&](const std::vector<Tensor<double>>& xs) {
    for (std::size_t i = 0; i < weights.size(); ++i) bind_variable(weights[i], xs[n + i]);
    return f(std::vector<Tensor<double>>(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(n)));
  };
  return gradcheck(bound, all, opt);
}

template void bind_variable<float>(const Variable<float>&, const Tensor<float>&);
template void bind_variable<double>(const Variable<double>&, const Tensor<double>&);

}  // namespace loom
