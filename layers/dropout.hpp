#pragma once
// Dropout: during training, zeroes each element with probability `rate` and scales the kept ones
// by 1/(1 - rate) (inverted dropout), so inference is the identity.
#include <cstdint>
#include <optional>
#include <string>

#include "core/random.hpp"
#include "layers/layer.hpp"

namespace loom {

template <class T = float>
class Dropout : public Layer<T> {
 public:
  // rate outside [0, 1) -> ValueError. With a seed the layer owns a Generator(seed), so a run is
  // reproducible while successive calls still draw new masks; without one it uses
  // default_generator().
  explicit Dropout(double rate, std::optional<std::uint64_t> seed = std::nullopt, std::string name = "");

  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  Config get_config() const override;
  double rate() const { return rate_; }

 protected:
  bool fixed_input_features() const override { return false; }

 private:
  double rate_;
  std::optional<std::uint64_t> seed_;
  Generator gen_;
};

extern template class Dropout<float>;
extern template class Dropout<double>;

}  // namespace loom
