#pragma once
// Private to saving/onnx_*.cpp: OnnxLowering's state over the protobuf graph (the ONNX schema,
// onnx/onnx.proto from Debian's libonnx-dev, compiled by protoc at build time; CMakeLists.txt).
#include <map>
#include <string>

#include "onnx/onnx.pb.h"
#include "saving/onnx_lowering.hpp"

namespace loom {

struct OnnxLowering::Impl {
  OnnxExportOptions options;
  onnx::GraphProto graph;
  std::string layer;  // the layer being lowered
  std::string value;  // the current value and its shape
  OnnxShape shape;
  OnnxMask mask;
  OnnxRecurrence recurrence;
  std::map<std::string, int> used;  // value-name stem -> how many were taken
};

}  // namespace loom
