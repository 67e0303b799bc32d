#pragma once
// gradcheck: the tape's gradient against central finite differences, in double precision.
// f may return any shape; the check differentiates sum(f(x) * R) for a fixed random R, which
// exercises every output element.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.hpp"
#include "core/tensor.hpp"

namespace loom {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double rtol = 1e-6;  // largest relative error allowed
  // Denominator floor of the relative error: gradients below it are compared absolutely at
  // rtol * floor, because central differences cannot resolve them relatively.
  double floor = 1e-2;
  std::uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = false;
  double max_rel_error = 0.0;
  double max_abs_error = 0.0;
  std::string worst;  // "input i, element j: analytic a, numeric n"
  std::string str() const;
};

using GradcheckFn = std::function<Tensor<double>(const std::vector<Tensor<double>>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& options = {});

// Layers read their weights, not gradcheck's inputs. bind_variable copies src into var and
// records var's value as the identity of src, so that the gradient reaching the weight (its
// regularization loss included) flows back to src, which gradcheck varies.
template <class T>
void bind_variable(const Variable<T>& var, const Tensor<T>& src);

// gradcheck over `inputs` followed by `weight_values` (one per weight, same shapes): before each
// evaluation every weight is bound to its value with bind_variable, and f receives `inputs` only.
// A count or shape mismatch -> ValueError / ShapeError naming the weight.
GradcheckResult gradcheck_weights(const GradcheckFn& f, const std::vector<Tensor<double>>& inputs,
                                  const std::vector<Variable<double>>& weights,
                                  const std::vector<Tensor<double>>& weight_values,
                                  const GradcheckOptions& options = {});

extern template void bind_variable<float>(const Variable<float>&, const Tensor<float>&);
extern template void bind_variable<double>(const Variable<double>&, const Tensor<double>&);

}  // namespace loom
