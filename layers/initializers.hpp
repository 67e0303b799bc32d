#pragma once
// Weight initializers, by object or by Keras identifier ("glorot_uniform", "orthogonal", ...).
// Every initializer is seedable: with a seed it draws from Generator(seed) on each call (so it
// gives the same values every time, as a seeded Keras 3 initializer does); without one it draws
// from default_generator().
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_fwd.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"

namespace loom {

class Initializer {
 public:
  using serial_base = const Initializer;  // core/serialize.hpp
  virtual ~Initializer();
  // Writes shape.numel() values to `out`. Values are made in double and rounded to T by make(),
  // so a seed gives the same numbers (up to rounding) in float and double.
  virtual void fill(double* out, const Shape& shape, Generator& g) const = 0;
  // Keras class name ("GlorotUniform", ...).
  virtual std::string name() const = 0;
  // Class name with arguments ("Constant(value=0.5)"), for get_config().
  virtual std::string repr() const { return name(); }
  // Keras's get_config(): the constructor's arguments ({"seed": null} for GlorotUniform).
  virtual Config get_config() const;

  template <class T>
  Tensor<T> make(const Shape& shape) const;
  // Draws from `g`, ignoring `seed`.
  template <class T>
  Tensor<T> make(const Shape& shape, Generator& g) const;

  std::optional<std::uint64_t> seed;
};
using InitializerPtr = std::shared_ptr<const Initializer>;

extern template Tensor<float> Initializer::make<float>(const Shape&) const;
extern template Tensor<double> Initializer::make<double>(const Shape&) const;
extern template Tensor<float> Initializer::make<float>(const Shape&, Generator&) const;
extern template Tensor<double> Initializer::make<double>(const Shape&, Generator&) const;

// Keras's fan computation: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 (a, b) -> (a, b); higher
// ranks multiply the last two by the receptive field prod(shape[:-2]). So a GRU kernel (I, 3U) has
// fan_in = I, fan_out = 3U.
struct Fans {
  double fan_in = 1.0, fan_out = 1.0;
};
Fans compute_fans(const Shape& shape);

struct Zeros : Initializer {
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "Zeros"; }
};
struct Ones : Initializer {
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "Ones"; }
};
struct Constant : Initializer {
  explicit Constant(double value = 0.0) : value(value) {}
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "Constant"; }
  std::string repr() const override;
  Config get_config() const override;
  double value;
};
struct RandomNormal : Initializer {
  explicit RandomNormal(double mean = 0.0, double stddev = 0.05,
                        std::optional<std::uint64_t> seed = std::nullopt);
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "RandomNormal"; }
  std::string repr() const override;
  Config get_config() const override;
  double mean, stddev;
};
struct RandomUniform : Initializer {
  explicit RandomUniform(double minval = -0.05, double maxval = 0.05,
                         std::optional<std::uint64_t> seed = std::nullopt);
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "RandomUniform"; }
  std::string repr() const override;
  Config get_config() const override;
  double minval, maxval;
};
// Normal redrawn until within two standard deviations of the mean.
struct TruncatedNormal : Initializer {
  explicit TruncatedNormal(double mean = 0.0, double stddev = 0.05,
                           std::optional<std::uint64_t> seed = std::nullopt);
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "TruncatedNormal"; }
  std::string repr() const override;
  Config get_config() const override;
  double mean, stddev;
};

// Keras VarianceScaling. mode: "fan_in" | "fan_out" | "fan_avg"; distribution:
// "truncated_normal" (also "normal", as tf.keras 2.x accepts) | "untruncated_normal" | "uniform".
// Bad values or scale <= 0 throw ValueError.
struct VarianceScaling : Initializer {
  explicit VarianceScaling(double scale = 1.0, std::string mode = "fan_in",
                           std::string distribution = "truncated_normal",
                           std::optional<std::uint64_t> seed = std::nullopt);
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "VarianceScaling"; }
  std::string repr() const override;
  Config get_config() const override;
  double scale;
  std::string mode, distribution;
};

#define LOOM_VS_INITIALIZER(Cls)                                                \
  struct Cls : VarianceScaling {                                                \
    explicit Cls(std::optional<std::uint64_t> seed = std::nullopt);             \
    std::string name() const override { return #Cls; }                          \
    std::string repr() const override { return #Cls; }                          \
    Config get_config() const override;                                         \
  };
LOOM_VS_INITIALIZER(GlorotUniform)  // fan_avg, uniform: limit sqrt(6 / (fan_in + fan_out))
LOOM_VS_INITIALIZER(GlorotNormal)   // fan_avg, truncated normal
LOOM_VS_INITIALIZER(HeNormal)       // scale 2, fan_in, truncated normal
LOOM_VS_INITIALIZER(HeUniform)      // scale 2, fan_in, uniform
LOOM_VS_INITIALIZER(LecunNormal)    // scale 1, fan_in, truncated normal
LOOM_VS_INITIALIZER(LecunUniform)   // scale 1, fan_in, uniform
#undef LOOM_VS_INITIALIZER

// gain * eye(rows, cols) for 2-D shapes (non-square allowed, as Keras); other ranks -> ValueError.
struct Identity : Initializer {
  explicit Identity(double gain = 1.0) : gain(gain) {}
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "Identity"; }
  std::string repr() const override;
  Config get_config() const override;
  double gain;
};

// Keras Orthogonal: A ~ N(0,1) of (max(r,c), min(r,c)) with r = prod(shape[:-1]), c = shape[-1];
// reduced QR; column j of Q times sign(R_jj); transposed when r < c; times gain. For (U, 3U) the
// rows of the whole matrix are orthonormal. Rank < 2 -> ValueError.
struct Orthogonal : Initializer {
  explicit Orthogonal(double gain = 1.0, std::optional<std::uint64_t> seed = std::nullopt);
  void fill(double* out, const Shape& shape, Generator& g) const override;
  std::string name() const override { return "Orthogonal"; }
  std::string repr() const override;
  Config get_config() const override;
  double gain;
};

const std::vector<std::string>& initializer_names();
// Keras identifiers in snake_case or CamelCase ("glorot_uniform", "GlorotUniform"), plus Keras's
// aliases "uniform" and "normal" (RandomUniform / RandomNormal with defaults). Unknown ->
// ValueError naming the identifier and listing the valid ones.
InitializerPtr get_initializer(const std::string& id);

// What options structs take: `.kernel_initializer = "orthogonal"`, `= Orthogonal(2.0)` or a
// pointer. A null pointer is rejected (ValueError; nullptr itself does not compile).
struct InitializerArg {
  InitializerArg(const char* id);
  InitializerArg(const std::string& id);
  InitializerArg(InitializerPtr p);
  InitializerArg(std::nullptr_t) = delete;
  template <class I>
    requires std::derived_from<I, Initializer>
  InitializerArg(std::shared_ptr<I> p) : InitializerArg(InitializerPtr(std::move(p))) {}
  template <class I>
    requires std::derived_from<I, Initializer> && std::copy_constructible<I>
  InitializerArg(const I& i) : InitializerArg(InitializerPtr(std::make_shared<I>(i))) {}
  InitializerPtr ptr;
};

}  // namespace loom
