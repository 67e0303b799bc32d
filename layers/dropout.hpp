#pragma once
// Dropout: during training, zeroes each element with probability `rate` and scales the kept ones
// by 1/(1 - rate) (inverted dropout), so inference is the identity.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/random.hpp"
#include "layers/layer.hpp"

namespace loom {

// Keras's Dropout(rate, noise_shape=None, seed=None); noise_shape is not implemented.
struct DropoutOptions {
  // With a seed the layer owns a Generator(seed), so a run is reproducible while successive calls
  // still draw new masks; without one it uses default_generator().
  std::optional<std::uint64_t> seed;
  std::string name;  // "" -> "dropout", "dropout_1", ...
};

template <class T = float>
class Dropout : public Layer<T> {
 public:
  // rate outside [0, 1) -> ValueError.
  explicit Dropout(double rate, DropoutOptions options = {});
  static std::shared_ptr<Dropout> from_config(const Config& config);

  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  Config get_config() const override;
  // A seeded Dropout's own generator position (an unseeded one draws from default_generator(),
  // which checkpoints save anyway).
  std::map<std::string, Tensor<T>> extra_state() const override;
  void check_extra_state(const std::map<std::string, Tensor<T>>& state) const override;
  void set_extra_state(const std::map<std::string, Tensor<T>>& state) override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_layers.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;
  double rate() const { return rate_; }
  const DropoutOptions& options() const { return opt_; }

 protected:
  bool fixed_input_features() const override { return false; }

 private:
  double rate_;
  DropoutOptions opt_;
  Generator gen_;
};

extern template class Dropout<float>;
extern template class Dropout<double>;

}  // namespace loom
