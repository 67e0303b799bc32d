#pragma once
// The options of export_onnx (saving/onnx_export.hpp), apart so that a layer's lowering
// (saving/onnx_lowering.hpp) can read them without the exporter's header.
#include <cstddef>
#include <string>

namespace loom {

// How masked inputs are padded, which export_onnx cannot see in the weights: ONNX's RNN ops take a
// mask only as `sequence_lens` (the first n steps of each sample are real), so only right padding
// (real steps first, padding after) can be expressed. unspecified refuses a mask that reaches an RNN.
enum class OnnxPadding { unspecified, right, left };

struct OnnxExportOptions {
  // The default ONNX domain's opset; 14 (GRU/LSTM/RNN's layout attribute) to 17 (the newest that
  // Debian 12's onnx 1.12 checks) are written.
  int opset = 17;
  // Symbolic batch / sequence axes ("batch", "sequence"); a fixed axis takes batch_size, or the
  // timesteps the model was built with.
  bool dynamic_batch = true;
  bool dynamic_sequence = true;
  std::size_t batch_size = 1;  // with dynamic_batch = false
  std::string input_name = "input";
  std::string output_name = "output";
  OnnxPadding padding = OnnxPadding::unspecified;
  std::string graph_name = "";  // "" -> the model's name
};

}  // namespace loom
