// OnnxLowering over the protobuf graph, and the Keras activations as ONNX operators.
#include "saving/onnx_lowering.hpp"

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "saving/onnx_detail.hpp"

namespace loom {

OnnxLowering::OnnxLowering(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxLowering::~OnnxLowering() = default;

const OnnxExportOptions& OnnxLowering::options() const { return impl_->options; }
const std::string& OnnxLowering::layer_name() const { return impl_->layer; }
const std::string& OnnxLowering::input() const { return impl_->value; }
const OnnxShape& OnnxLowering::input_shape() const { return impl_->shape; }
const OnnxMask& OnnxLowering::mask() const { return impl_->mask; }
void OnnxLowering::set_mask(OnnxMask mask) { impl_->mask = std::move(mask); }
OnnxRecurrence& OnnxLowering::recurrence() { return impl_->recurrence; }

void OnnxLowering::set_output(std::string value, OnnxShape shape) {
  impl_->value = std::move(value);
  impl_->shape = std::move(shape);
}

std::string OnnxLowering::fresh(const std::string& hint) {
  const std::string stem = impl_->layer.empty() ? hint : impl_->layer + "/" + hint;
  const int n = impl_->used[stem]++;
  return n == 0 ? stem : stem + "_" + std::to_string(n);
}

namespace {

void set_attribute(onnx::AttributeProto& a, const OnnxAttr& attr) {
  a.set_name(attr.name);
  const auto& v = attr.value;
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(*i);
  } else if (auto* f = std::get_if<float>(&v)) {
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(*f);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(*s);
  } else if (auto* is = std::get_if<std::vector<std::int64_t>>(&v)) {
    a.set_type(onnx::AttributeProto::INTS);
    for (auto x : *is) a.add_ints(x);
  } else if (auto* fs = std::get_if<std::vector<float>>(&v)) {
    a.set_type(onnx::AttributeProto::FLOATS);
    for (auto x : *fs) a.add_floats(x);
  } else {
    a.set_type(onnx::AttributeProto::STRINGS);
    for (const auto& x : std::get<std::vector<std::string>>(v)) a.add_strings(x);
  }
}

}  // namespace

std::vector<std::string> OnnxLowering::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                            std::size_t n_outputs, const std::vector<OnnxAttr>& attributes) {
  auto* n = impl_->graph.add_node();
  n->set_op_type(op_type);
  n->set_name(fresh(op_type));
  for (const auto& i : inputs) n->add_input(i);
  std::vector<std::string> outs;
  for (std::size_t k = 0; k < n_outputs; ++k) {
    outs.push_back(fresh(op_type + (n_outputs > 1 ? "_out" + std::to_string(k) : "") + ":0"));
    n->add_output(outs.back());
  }
  for (const auto& a : attributes) set_attribute(*n->add_attribute(), a);
  return outs;
}

std::string OnnxLowering::node(const std::string& op_type, const std::vector<std::string>& inputs,
                               const std::vector<OnnxAttr>& attributes) {
  return node(op_type, inputs, 1, attributes)[0];
}

std::string OnnxLowering::constant_floats(const std::string& hint, const std::vector<float>& values,
                                          const std::vector<std::int64_t>& dims) {
  auto* t = impl_->graph.add_initializer();
  const std::string name = fresh(hint);
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  // raw_data is little-endian float32, as on every machine loom builds for (x86-64).
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return name;
}

std::string OnnxLowering::constant_int64(const std::string& hint, const std::vector<std::int64_t>& values,
                                         const std::vector<std::int64_t>& dims) {
  auto* t = impl_->graph.add_initializer();
  const std::string name = fresh(hint);
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (auto d : dims) t->add_dims(d);
  for (auto v : values) t->add_int64_data(v);
  return name;
}

template <class T>
static std::string constant_of(OnnxLowering& g, const std::string& hint, const Tensor<T>& value) {
  std::vector<std::int64_t> dims;
  for (std::size_t i = 0; i < value.rank(); ++i) dims.push_back(static_cast<std::int64_t>(value.dim(static_cast<long>(i))));
  const std::size_t n = value.size();
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(value.data()[i]);
  return g.constant_floats(hint, v, dims);
}

std::string OnnxLowering::constant(const std::string& hint, const Tensor<float>& value) {
  return constant_of(*this, hint, value);
}
std::string OnnxLowering::constant(const std::string& hint, const Tensor<double>& value) {
  return constant_of(*this, hint, value);
}

std::string onnx_activation(OnnxLowering& g, const Activation& activation, const std::string& x,
                            const std::string& who) {
  const std::string a = activation.name();
  if (a == "linear") return x;
  if (a == "tanh") return g.node("Tanh", {x});
  if (a == "sigmoid") return g.node("Sigmoid", {x});
  // loom's hard_sigmoid is tf.keras 2.x's clip(0.2x + 0.5, 0, 1), ONNX's HardSigmoid defaults.
  if (a == "hard_sigmoid") return g.node("HardSigmoid", {x}, {{"alpha", 0.2f}, {"beta", 0.5f}});
  if (a == "relu") return g.node("Relu", {x});
  if (a == "elu") return g.node("Elu", {x}, {{"alpha", 1.0f}});
  // Keras's selu constants (ONNX's defaults are the same numbers rounded differently).
  if (a == "selu") return g.node("Selu", {x}, {{"alpha", 1.6732632423543772}, {"gamma", 1.0507009873554805}});
  if (a == "softplus") return g.node("Softplus", {x});
  if (a == "softsign") return g.node("Softsign", {x});
  if (a == "swish") return g.node("Mul", {x, g.node("Sigmoid", {x})});
  if (a == "exponential") return g.node("Exp", {x});
  // Keras's softmax is over the last axis; opset >= 13's Softmax is over one axis too.
  if (a == "softmax") return g.node("Softmax", {x}, {{"axis", -1}});
  throw NotImplementedError("export_onnx: " + who + ": activation '" + a +
                            "' has no ONNX lowering (loom's own activations have; a user activation does not)");
}

}  // namespace loom
