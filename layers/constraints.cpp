#include "layers/constraints.hpp"


#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"
#include "core/checks.hpp"

namespace loom {

Constraint::~Constraint() = default;

namespace {
std::string num(double v) { return check::number(v); }

// L2 norm over `axis` with keepdims; a rank-0 weight is its own (absolute) norm.
template <class T>
Tensor<T> norm(const char* who, const Tensor<T>& w, long axis) {
  if (!w.defined())
    throw ValueError(std::string(who) + ": expected a defined weight, received an undefined tensor");
  if (w.rank() == 0) return abs(w);
  const long r = static_cast<long>(w.rank());
  if (axis < -r || axis >= r)
    throw ValueError(std::string(who) + ": axis expected in [" + std::to_string(-r) + ", " +
                     std::to_string(r) + ") for a weight of shape " + w.shape().str() + ", received " +
                     std::to_string(axis));
  return sqrt(sum(square(w), {axis}, true));
}

template <class T>
Tensor<T> max_norm(const MaxNorm& c, const Tensor<T>& w) {
  auto n = norm("MaxNorm", w, c.axis);
  auto desired = clip(n, 0.0, c.max_value);
  return w * (desired / (n + static_cast<T>(kConstraintEpsilon)));
}
template <class T>
Tensor<T> unit_norm(const UnitNorm& c, const Tensor<T>& w) {
  auto n = norm("UnitNorm", w, c.axis);
  return w / (n + static_cast<T>(kConstraintEpsilon));
}
template <class T>
Tensor<T> min_max_norm(const MinMaxNorm& c, const Tensor<T>& w) {
  auto n = norm("MinMaxNorm", w, c.axis);
  auto desired = clip(n, c.min_value, c.max_value) * static_cast<T>(c.rate) +
                 n * static_cast<T>(1.0 - c.rate);
  return w * (desired / (n + static_cast<T>(kConstraintEpsilon)));
}
template <class T>
Tensor<T> non_neg(const Tensor<T>& w) {
  if (!w.defined())
    throw ValueError("NonNeg: expected a defined weight, received an undefined tensor");
  return relu(w);
}
}  // namespace

Tensor<float> MaxNorm::operator()(const Tensor<float>& w) const { return max_norm(*this, w); }
Tensor<double> MaxNorm::operator()(const Tensor<double>& w) const { return max_norm(*this, w); }
std::string MaxNorm::repr() const {
  return "MaxNorm(max_value=" + num(max_value) + ", axis=" + std::to_string(axis) + ")";
}
Tensor<float> NonNeg::operator()(const Tensor<float>& w) const { return non_neg(w); }
Tensor<double> NonNeg::operator()(const Tensor<double>& w) const { return non_neg(w); }
Tensor<float> UnitNorm::operator()(const Tensor<float>& w) const { return unit_norm(*this, w); }
Tensor<double> UnitNorm::operator()(const Tensor<double>& w) const { return unit_norm(*this, w); }
std::string UnitNorm::repr() const { return "UnitNorm(axis=" + std::to_string(axis) + ")"; }
Tensor<float> MinMaxNorm::operator()(const Tensor<float>& w) const { return min_max_norm(*this, w); }
Tensor<double> MinMaxNorm::operator()(const Tensor<double>& w) const { return min_max_norm(*this, w); }
std::string MinMaxNorm::repr() const {
  return "MinMaxNorm(min_value=" + num(min_value) + ", max_value=" + num(max_value) +
         ", rate=" + num(rate) + ", axis=" + std::to_string(axis) + ")";
}

const std::vector<std::string>& constraint_names() {
  static const std::vector<std::string> n = {"max_norm", "non_neg", "unit_norm", "min_max_norm",
                                             "MaxNorm",  "NonNeg",  "UnitNorm",  "MinMaxNorm"};
  return n;
}

ConstraintPtr get_constraint(const std::string& id) {
  if (id == "max_norm" || id == "MaxNorm") return std::make_shared<MaxNorm>();
  if (id == "non_neg" || id == "NonNeg") return std::make_shared<NonNeg>();
  if (id == "unit_norm" || id == "UnitNorm") return std::make_shared<UnitNorm>();
  if (id == "min_max_norm" || id == "MinMaxNorm") return std::make_shared<MinMaxNorm>();
  std::string valid;
  for (const auto& n : constraint_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ValueError("get_constraint: unknown constraint identifier '" + id + "'; expected one of " +
                   valid + " (or nullptr for none)");
}

template <class T>
typename Variable<T>::Constraint as_variable_constraint(ConstraintPtr c) {
  if (!c) return {};
  return [c = std::move(c)](const Tensor<T>& w) { return (*c)(w); };
}
template Variable<float>::Constraint as_variable_constraint<float>(ConstraintPtr);
template Variable<double>::Constraint as_variable_constraint<double>(ConstraintPtr);

ConstraintArg::ConstraintArg(const char* id) {
  if (id) ptr = get_constraint(id);
}
ConstraintArg::ConstraintArg(const std::string& id) : ptr(get_constraint(id)) {}

}  // namespace loom
