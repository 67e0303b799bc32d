#include "layers/regularizers.hpp"

#include <cmath>

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"
#include "core/checks.hpp"

namespace loom {

Regularizer::~Regularizer() = default;

namespace {
std::string num(double v) { return check::number(v); }
void check_factor(const char* arg, double v) {
  if (!std::isfinite(v) || v < 0.0)
    throw ValueError(std::string("L1L2 regularizer: argument '") + arg +
                     "' expected a finite number >= 0, received " + num(v));
}

template <class T>
Tensor<T> penalty(double l1, double l2, const Tensor<T>& w) {
  Tensor<T> out;
  if (l1 != 0.0) out = sum(abs(w)) * static_cast<T>(l1);
  if (l2 != 0.0) {
    auto p = sum(square(w)) * static_cast<T>(l2);
    out = out.defined() ? out + p : p;
  }
  // Both factors zero: a constant zero, which the tape ignores.
  return out.defined() ? out : Tensor<T>::scalar(T(0));
}
}  // namespace

L1L2::L1L2(double l1, double l2) : l1(l1), l2(l2) {
  check_factor("l1", l1);
  check_factor("l2", l2);
}
Tensor<float> L1L2::operator()(const Tensor<float>& w) const { return penalty(l1, l2, w); }
Tensor<double> L1L2::operator()(const Tensor<double>& w) const { return penalty(l1, l2, w); }
std::string L1L2::repr() const { return "L1L2(l1=" + num(l1) + ", l2=" + num(l2) + ")"; }
std::string L1::repr() const { return "L1(l1=" + num(l1) + ")"; }
std::string L2::repr() const { return "L2(l2=" + num(l2) + ")"; }

const std::vector<std::string>& regularizer_names() {
  static const std::vector<std::string> n = {"l1", "l2", "l1_l2", "l1l2", "L1", "L2", "L1L2"};
  return n;
}

RegularizerPtr get_regularizer(const std::string& id) {
  if (id == "l1" || id == "L1") return std::make_shared<L1>();
  if (id == "l2" || id == "L2") return std::make_shared<L2>();
  // tf.keras 2.x's "l1_l2" means both factors 0.01; Keras 3's "l1l2"/"L1L2" builds L1L2() with the
  // class defaults, both 0 (docs/keras_contract.md §3.1).
  if (id == "l1_l2") return std::make_shared<L1L2>(0.01, 0.01);
  if (id == "l1l2" || id == "L1L2") return std::make_shared<L1L2>();
  std::string valid;
  for (const auto& n : regularizer_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ValueError("get_regularizer: unknown regularizer identifier '" + id + "'; expected one of " +
                   valid + " (or nullptr for none)");
}

RegularizerArg::RegularizerArg(const char* id) {
  if (id) ptr = get_regularizer(id);
}
RegularizerArg::RegularizerArg(const std::string& id) : ptr(get_regularizer(id)) {}

}  // namespace loom
