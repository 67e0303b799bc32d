#pragma once
// OnnxLowering: the ONNX graph that export_onnx builds, as a layer's lowering sees it
// (Layer::onnx_lowering). A lowering reads the value it receives (input(), input_shape(), mask()),
// adds nodes and constants, and hands on its result (set_output). The protobuf types stay in the
// .cpp files (saving/onnx_detail.hpp): this header is all a user layer needs.
//
//   void MyScale::onnx_lowering(OnnxLowering& g) const {
//     auto s = g.constant_floats("scale", {2.0f}, {});
//     g.set_output(g.node("Mul", {g.input(), s}), g.input_shape());
//   }
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.hpp"
#include "layers/activations.hpp"
#include "saving/onnx_options.hpp"

namespace loom {

// One dimension of a value's shape: a size, or a symbolic name ("batch", "sequence").
struct OnnxDim {
  std::int64_t size = -1;
  std::string param;  // non-empty: symbolic
};
using OnnxShape = std::vector<OnnxDim>;

// A node attribute, by value type: OnnxAttr{"axis", -1}, {"direction", "reverse"}, ...
struct OnnxAttr {
  using Value = std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>,
                             std::vector<std::string>>;
  OnnxAttr(std::string n, int v) : name(std::move(n)), value(std::int64_t{v}) {}
  OnnxAttr(std::string n, std::int64_t v) : name(std::move(n)), value(v) {}
  OnnxAttr(std::string n, float v) : name(std::move(n)), value(v) {}
  OnnxAttr(std::string n, double v) : name(std::move(n)), value(static_cast<float>(v)) {}
  OnnxAttr(std::string n, const char* v) : name(std::move(n)), value(std::string(v)) {}
  OnnxAttr(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
  OnnxAttr(std::string n, std::vector<std::int64_t> v) : name(std::move(n)), value(std::move(v)) {}
  OnnxAttr(std::string n, std::vector<float> v) : name(std::move(n)), value(std::move(v)) {}
  OnnxAttr(std::string n, std::vector<std::string> v) : name(std::move(n)), value(std::move(v)) {}
  std::string name;
  Value value;
};

// The mask the layers so far hand downstream (Keras's compute_mask), as graph values; empty names
// when there is none.
struct OnnxMask {
  std::string steps;    // (batch, timesteps) as the input is laid out, float32: 1 kept, 0 masked
  std::string lengths;  // (batch,) int32: kept steps per sample, which is sequence_lens for right padding
  std::string source;   // the layer that made it, for messages
  bool empty() const { return steps.empty(); }
};

// What RNN's lowering hands a cell's (Layer::onnx_lowering on an RNNCell): the cell lowers one
// direction of the whole sequence. It receives input() time-major, (timesteps, batch, features),
// as ONNX's recurrent operators take it, sets the output sequence (timesteps, batch, units) in
// input time order with set_output, and the final output (batch, units) in final_output.
struct OnnxRecurrence {
  std::string direction = "forward";  // or "reverse" (go_backwards)
  std::string sequence_lens;          // "" or (batch,) int32, ONNX's sequence_lens
  std::string final_output;           // set by the cell
};

class OnnxLowering {
 public:
  struct Impl;  // saving/onnx_detail.hpp
  explicit OnnxLowering(std::unique_ptr<Impl> impl);
  ~OnnxLowering();
  OnnxLowering(const OnnxLowering&) = delete;
  OnnxLowering& operator=(const OnnxLowering&) = delete;

  const OnnxExportOptions& options() const;
  // The name of the layer being lowered (values it adds are named after it).
  const std::string& layer_name() const;
  // The value the layer receives and its shape, batch-major (batch, ..., features).
  const std::string& input() const;
  const OnnxShape& input_shape() const;
  // The layer's result; the next layer receives it.
  void set_output(std::string value, OnnxShape shape);
  const OnnxMask& mask() const;
  void set_mask(OnnxMask mask);
  // Within an RNN's lowering, what its cells read and set (OnnxRecurrence).
  OnnxRecurrence& recurrence();

  // A value name not used yet: "<layer>/<hint>", "<layer>/<hint>_1", ...
  std::string fresh(const std::string& hint);
  // Adds a node; returns its n_outputs output names (fresh, after op_type). An input "" is an
  // omitted optional input.
  std::vector<std::string> node(const std::string& op_type, const std::vector<std::string>& inputs,
                                std::size_t n_outputs, const std::vector<OnnxAttr>& attributes = {});
  std::string node(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::vector<OnnxAttr>& attributes = {});
  // Constants (graph initializers). The graph is float32: a double tensor is rounded to float.
  std::string constant(const std::string& hint, const Tensor<float>& value);
  std::string constant(const std::string& hint, const Tensor<double>& value);
  std::string constant_floats(const std::string& hint, const std::vector<float>& values,
                              const std::vector<std::int64_t>& dims);
  std::string constant_int64(const std::string& hint, const std::vector<std::int64_t>& values,
                             const std::vector<std::int64_t>& dims);

  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// A Keras activation applied to value x as ONNX nodes (linear: x itself). An activation ONNX has no
// operator for (a user activation) -> NotImplementedError naming `who` and the activation.
std::string onnx_activation(OnnxLowering& g, const Activation& activation, const std::string& x,
                            const std::string& who);

}  // namespace loom
