#pragma once
// Weight regularizers, by object or by Keras identifier ("l1", "l2", "l1_l2"). A penalty is a
// rank-0 tensor built from differentiable ops, so it enters gradients when added to a loss.
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/config_fwd.hpp"
#include "core/tensor.hpp"

namespace loom {

class Regularizer {
 public:
  using serial_base = const Regularizer;  // core/serialize.hpp
  virtual ~Regularizer();
  virtual Tensor<float> operator()(const Tensor<float>& w) const = 0;
  virtual Tensor<double> operator()(const Tensor<double>& w) const = 0;
  // Keras class name ("L2", ...).
  virtual std::string name() const = 0;
  // Class name with arguments ("L2(l2=0.01)"), for get_config().
  virtual std::string repr() const { return name(); }
  // Keras's get_config() ({"l2": 0.01} for L2).
  virtual Config get_config() const = 0;
};
using RegularizerPtr = std::shared_ptr<const Regularizer>;

// l1 * sum(|w|) + l2 * sum(w^2) (no 1/2 factor); a term whose factor is 0 is left out. Factors
// must be finite and >= 0 (ValueError otherwise).
struct L1L2 : Regularizer {
  explicit L1L2(double l1 = 0.0, double l2 = 0.0);
  Tensor<float> operator()(const Tensor<float>& w) const override;
  Tensor<double> operator()(const Tensor<double>& w) const override;
  std::string name() const override { return "L1L2"; }
  std::string repr() const override;
  Config get_config() const override;
  double l1, l2;
};
struct L1 : L1L2 {
  explicit L1(double l1 = 0.01) : L1L2(l1, 0.0) {}
  std::string name() const override { return "L1"; }
  std::string repr() const override;
  Config get_config() const override;
};
struct L2 : L1L2 {
  explicit L2(double l2 = 0.01) : L1L2(0.0, l2) {}
  std::string name() const override { return "L2"; }
  std::string repr() const override;
  Config get_config() const override;
};

const std::vector<std::string>& regularizer_names();
// "l1" -> L1(0.01), "l2" -> L2(0.01), "l1_l2" -> L1L2(0.01, 0.01) (tf.keras 2.x); Keras 3's
// "l1l2"/"L1L2" -> L1L2(0, 0); class names "L1", "L2" too. Unknown -> ValueError.
RegularizerPtr get_regularizer(const std::string& id);

// What options structs take. Default and nullptr mean no regularizer (ptr stays null).
struct RegularizerArg {
  RegularizerArg() = default;
  RegularizerArg(std::nullptr_t) {}
  RegularizerArg(const char* id);
  RegularizerArg(const std::string& id);
  RegularizerArg(RegularizerPtr p) : ptr(std::move(p)) {}
  template <class R>
    requires std::derived_from<R, Regularizer>
  RegularizerArg(std::shared_ptr<R> p) : ptr(std::move(p)) {}
  template <class R>
    requires std::derived_from<R, Regularizer> && std::copy_constructible<R>
  RegularizerArg(const R& r) : ptr(std::make_shared<R>(r)) {}
  RegularizerPtr ptr;
};

}  // namespace loom
