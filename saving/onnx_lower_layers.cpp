// The ONNX lowerings of loom's feed-forward layers (Layer::onnx_lowering): Dense is MatMul + Add +
// its activation, Embedding is Gather, Masking computes the mask (and the sequence lengths the RNN
// operators take), Dropout is nothing at inference. The recurrent ones are in onnx_lower_rnn.cpp.
#include <cstdint>
#include <string>

#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/embedding.hpp"
#include "layers/masking.hpp"
#include "saving/onnx_detail.hpp"

namespace loom {

template <class T>
void Dense<T>::onnx_lowering(OnnxLowering& g) const {
  // MatMul broadcasts over leading axes as Dense does: (batch, ..., in) x (in, units).
  std::string y = g.node("MatMul", {g.input(), g.constant("kernel", kernel().value())});
  if (options().use_bias) y = g.node("Add", {y, g.constant("bias", bias().value())});
  y = onnx_activation(g, *options().activation.ptr, y, "Dense '" + this->name() + "'");
  OnnxShape shape = g.input_shape();
  shape.back() = OnnxDim{static_cast<std::int64_t>(units()), ""};
  g.set_output(y, shape);
}

template <class T>
void Embedding<T>::onnx_lowering(OnnxLowering& g) const {
  // The ids arrive as float32, as loom's Embedding takes them, so the same input feeds both.
  const std::string in = g.input();
  const std::string ids = g.node("Cast", {in}, {{"to", std::int64_t{onnx::TensorProto::INT64}}});
  const std::string y = g.node("Gather", {g.constant("embeddings", embeddings().value()), ids}, {{"axis", 0}});
  OnnxShape shape = g.input_shape();
  shape.push_back(OnnxDim{static_cast<std::int64_t>(output_dim()), ""});
  g.set_output(y, shape);
  if (!options().mask_zero) {
    g.set_mask({});
    return;
  }
  // Keras: mask = ids != 0.
  const std::string zero = g.constant_floats("zero", {0.0f}, {});
  const std::string kept = g.node("Not", {g.node("Equal", {in, zero})});
  OnnxMask m;
  m.steps = g.node("Cast", {kept}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
  m.lengths = g.node("Cast", {g.node("ReduceSum", {m.steps, g.constant_int64("time_axis", {1}, {1})}, {{"keepdims", 0}})},
                     {{"to", std::int64_t{onnx::TensorProto::INT32}}});
  m.source = this->name();
  g.set_mask(m);
}

template <class T>
void Masking<T>::onnx_lowering(OnnxLowering& g) const {
  // Keras: a step is kept when any feature differs from mask_value; masked steps are zeroed.
  const std::string mv = g.constant_floats("mask_value", {static_cast<float>(mask_value())}, {});
  const std::string differs =
      g.node("Cast", {g.node("Not", {g.node("Equal", {g.input(), mv})})}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
  // ReduceMax takes its axes as an attribute up to opset 17 (export_onnx writes 14 to 17).
  const std::string keep = g.node("ReduceMax", {differs}, {{"axes", std::vector<std::int64_t>{-1}}, {"keepdims", 1}});
  g.set_output(g.node("Mul", {g.input(), keep}), g.input_shape());
  OnnxMask m;
  m.steps = g.node("Squeeze", {keep, g.constant_int64("feature_axis", {-1}, {1})});
  m.lengths = g.node("Cast", {g.node("ReduceSum", {m.steps, g.constant_int64("time_axis", {1}, {1})}, {{"keepdims", 0}})},
                     {{"to", std::int64_t{onnx::TensorProto::INT32}}});
  m.source = this->name();
  g.set_mask(m);
}

template <class T>
void Dropout<T>::onnx_lowering(OnnxLowering& g) const {
  // Inference: Dropout is the identity, so it adds no node; the value passes through.
  g.set_output(g.input(), g.input_shape());
}

#define LOOM_INSTANTIATE_ONNX_LAYERS(T)                               \
  template void Dense<T>::onnx_lowering(OnnxLowering&) const;        \
  template void Embedding<T>::onnx_lowering(OnnxLowering&) const;    \
  template void Masking<T>::onnx_lowering(OnnxLowering&) const;      \
  template void Dropout<T>::onnx_lowering(OnnxLowering&) const;
LOOM_INSTANTIATE_ONNX_LAYERS(float)
LOOM_INSTANTIATE_ONNX_LAYERS(double)
#undef LOOM_INSTANTIATE_ONNX_LAYERS

}  // namespace loom
