#pragma once
// export_onnx: a built Sequential model as an ONNX file, for ONNX Runtime, OpenVINO, TensorRT, a
// browser or a phone, giving loom's predictions (checked against onnxruntime-web in
// tests/saving/test_onnx_*.cpp; the mapping of each layer is in docs/interop.md, "ONNX").
//
//   export_onnx(model, "model.onnx", {.padding = OnnxPadding::right});
//
// The graph has one float32 input (batch, timesteps, features), or (batch, timesteps) of ids for a
// model that starts with an Embedding, and one float32 output, what predict returns. Each layer is
// lowered by its Layer::onnx_lowering (saving/onnx_lowering.hpp): loom's own layers have one, a user
// layer provides its own. The file is written atomically, and only when the whole model lowers.
#include <string>

#include "saving/onnx_options.hpp"
#include "train/sequential.hpp"

namespace loom {

// Throws, writing nothing: ValueError for an unbuilt or empty model, an opset outside 14..17, bad
// names, a configuration ONNX cannot express (stateful=true, a mask with left or unspecified
// padding, merge_mode None, an activation the recurrent operators lack), each naming the layer and
// the reason; NotImplementedError naming the layer for a layer or cell without a lowering; IOError
// when the file cannot be written.
template <class T>
void export_onnx(const Sequential<T>& model, const std::string& path, const OnnxExportOptions& options = {});

extern template void export_onnx<float>(const Sequential<float>&, const std::string&, const OnnxExportOptions&);
extern template void export_onnx<double>(const Sequential<double>&, const std::string&, const OnnxExportOptions&);

}  // namespace loom
