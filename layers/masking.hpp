#pragma once
// Masking: a timestep whose features all equal mask_value is masked: its output is zeroed and
// compute_mask() gives any(x != mask_value, axis=-1), as keras.layers.Masking. The incoming mask
// is replaced, as in Keras.
#include <memory>
#include <string>

#include "layers/layer.hpp"

namespace loom {

struct MaskingOptions {
  std::string name;  // "" -> "masking", "masking_1", ...
};

template <class T = float>
class Masking : public Layer<T> {
 public:
  explicit Masking(double mask_value = 0.0, MaskingOptions options = {});
  static std::shared_ptr<Masking> from_config(const Config& config);

  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  Tensor<T> compute_mask(const Tensor<T>& x, const Tensor<T>& mask) const override;
  Config get_config() const override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_layers.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;
  double mask_value() const { return mask_value_; }

 protected:
  void check_input(const Tensor<T>& x) const override;  // rank >= 2
  bool fixed_input_features() const override { return false; }

 private:
  double mask_value_;
};

extern template class Masking<float>;
extern template class Masking<double>;

}  // namespace loom
