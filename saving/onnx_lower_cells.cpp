// loom's recurrent cells as the operands of ONNX's GRU, LSTM and RNN operators (the mapping table
// is in docs/interop.md, "ONNX"). Every weight is a permutation and a transpose of Keras's, so the
// export is exact.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "layers/gru_cell.hpp"
#include "layers/lstm_cell.hpp"
#include "layers/simple_rnn_cell.hpp"
#include "saving/onnx_lowering.hpp"

namespace loom {

// Helpers of this file only (the cells' lowerings below share them).
namespace {

// One cell kind's operands and attributes.
struct OnnxCellOp {
  std::string op_type;  // "GRU", "LSTM", "RNN"
  std::size_t units = 0;
  std::string w, r, b;  // initializer names; b is "" without use_bias
  std::vector<std::string> activations;
  std::vector<float> alphas, betas;
  bool linear_before_reset = false;  // GRU
};


// One activation of an RNN operator. ONNX Runtime takes activation_alpha/beta only for the
// activations that use them, in order, so every activation here either takes both or neither.
void add_activation(OnnxCellOp& op, const std::string& who, const char* option, const Activation& a) {
  const std::string n = a.name();
  auto plain = [&](const char* onnx_name) { op.activations.push_back(onnx_name); };
  auto scaled = [&](const char* onnx_name, float alpha, float beta) {
    op.activations.push_back(onnx_name);
    op.alphas.push_back(alpha);
    op.betas.push_back(beta);
  };
  if (n == "tanh") plain("Tanh");
  else if (n == "sigmoid") plain("Sigmoid");
  else if (n == "relu") plain("Relu");
  else if (n == "softsign") plain("Softsign");
  else if (n == "softplus") plain("Softplus");
  // loom's hard_sigmoid is tf.keras 2.x's clip(0.2x + 0.5, 0, 1); Keras 3's would be 1/6 and 0.5.
  else if (n == "hard_sigmoid") scaled("HardSigmoid", 0.2f, 0.5f);
  else if (n == "linear") scaled("Affine", 1.0f, 0.0f);
  else
    throw ValueError("export_onnx: " + who + ": " + option + " one of tanh, sigmoid, relu, softsign, softplus, "
                     "hard_sigmoid, linear expected (the activations of ONNX's recurrent operators), received '" +
                     n + "'");
}

// W (1, G·U, I) from a Keras kernel (I, G·U): row block g of W is column block order[g] of the
// kernel, transposed. R (1, G·U, U) the same from the recurrent kernel (U, G·U).
template <class T>
std::vector<float> transposed_blocks(const Tensor<T>& k, std::size_t units, const std::vector<std::size_t>& order) {
  const std::size_t rows = k.dim(0), cols = k.dim(1);
  std::vector<float> out(cols * rows);
  for (std::size_t g = 0; g < order.size(); ++g)
    for (std::size_t u = 0; u < units; ++u)
      for (std::size_t i = 0; i < rows; ++i)
        out[(g * units + u) * rows + i] = static_cast<float>(k.data()[i * cols + order[g] * units + u]);
  return out;
}

// One bias vector (G·U) with its blocks in `order`.
template <class T>
std::vector<float> bias_blocks(const T* b, std::size_t units, const std::vector<std::size_t>& order) {
  std::vector<float> out;
  for (std::size_t g : order)
    for (std::size_t u = 0; u < units; ++u) out.push_back(static_cast<float>(b[g * units + u]));
  return out;
}

template <class T>
void set_weights(OnnxCellOp& op, OnnxLowering& g, const Variable<T>& kernel, const Variable<T>& rec,
                 const Variable<T>* bias, std::size_t units, const std::vector<std::size_t>& order) {
  const auto& k = kernel.value();
  const auto G = static_cast<std::int64_t>(order.size() * units);
  op.w = g.constant_floats("W", transposed_blocks(k, units, order), {1, G, static_cast<std::int64_t>(k.dim(0))});
  op.r = g.constant_floats("R", transposed_blocks(rec.value(), units, order), {1, G, static_cast<std::int64_t>(units)});
  if (!bias) return;
  // B is [Wb, Rb]: Keras's one input-side bias and zeros, or (GRU reset_after) its two rows.
  const auto& b = bias->value();
  std::vector<float> wb = bias_blocks(b.data(), units, order), rb(wb.size(), 0.0f);
  if (b.rank() == 2) rb = bias_blocks(b.data() + b.dim(1), units, order);
  wb.insert(wb.end(), rb.begin(), rb.end());
  op.b = g.constant_floats("B", wb, {1, 2 * G});
}

// The cell's node over g.input() (time-major) in the direction and with the lengths RNN's lowering
// set (OnnxRecurrence): Y (T, 1, B, U) squeezed to (T, B, U) is the output, Y_h the final output.
void emit(OnnxLowering& g, const OnnxCellOp& op) {
  auto& rec = g.recurrence();
  std::vector<OnnxAttr> attrs = {{"hidden_size", static_cast<std::int64_t>(op.units)},
                                 {"direction", rec.direction},
                                 {"activations", op.activations}};
  if (!op.alphas.empty()) {
    attrs.emplace_back("activation_alpha", op.alphas);
    attrs.emplace_back("activation_beta", op.betas);
  }
  if (op.op_type == "GRU") attrs.emplace_back("linear_before_reset", op.linear_before_reset ? 1 : 0);
  std::vector<std::string> inputs = {g.input(), op.w, op.r, op.b};
  if (!rec.sequence_lens.empty()) inputs.push_back(rec.sequence_lens);
  while (inputs.back().empty()) inputs.pop_back();
  const auto outs = g.node(op.op_type, inputs, 2, attrs);
  OnnxShape shape = g.input_shape();
  shape.back() = OnnxDim{static_cast<std::int64_t>(op.units), ""};
  g.set_output(g.node("Squeeze", {outs[0], g.constant_int64("direction_axis", {1}, {1})}), shape);
  rec.final_output = g.node("Squeeze", {outs[1], g.constant_int64("direction_axis", {0}, {1})});
}

}  // namespace

template <class T>
void GRUCell<T>::onnx_lowering(OnnxLowering& g) const {
  const std::string who = "GRUCell '" + this->name() + "'";
  OnnxCellOp op;
  op.op_type = "GRU";
  op.units = units();
  // Gates z, r, h in both; reset_after is ONNX's linear_before_reset (reset applied after R·h).
  op.linear_before_reset = reset_after();
  add_activation(op, who, "recurrent_activation", *options().recurrent_activation.ptr);
  add_activation(op, who, "activation", *options().activation.ptr);
  set_weights(op, g, kernel(), recurrent_kernel(), use_bias() ? &bias() : nullptr, op.units, {0, 1, 2});
  emit(g, op);
}

template <class T>
void LSTMCell<T>::onnx_lowering(OnnxLowering& g) const {
  const std::string who = "LSTMCell '" + this->name() + "'";
  OnnxCellOp op;
  op.op_type = "LSTM";
  op.units = this->output_size();
  // ONNX's f, g, h: the gates' activation, the candidate's, the output's (Keras uses activation twice).
  add_activation(op, who, "recurrent_activation", *options().recurrent_activation.ptr);
  add_activation(op, who, "activation", *options().activation.ptr);
  add_activation(op, who, "activation", *options().activation.ptr);
  // Keras's gate blocks are i, f, c, o; ONNX's are i, o, f, c.
  set_weights(op, g, kernel(), recurrent_kernel(), options().use_bias ? &bias() : nullptr, op.units, {0, 3, 1, 2});
  emit(g, op);
}

template <class T>
void SimpleRNNCell<T>::onnx_lowering(OnnxLowering& g) const {
  OnnxCellOp op;
  op.op_type = "RNN";
  op.units = this->output_size();
  add_activation(op, "SimpleRNNCell '" + this->name() + "'", "activation", *options().activation.ptr);
  set_weights(op, g, kernel(), recurrent_kernel(), options().use_bias ? &bias() : nullptr, op.units, {0});
  emit(g, op);
}

#define LOOM_INSTANTIATE_ONNX_CELLS(T)                                   \
  template void GRUCell<T>::onnx_lowering(OnnxLowering&) const;         \
  template void LSTMCell<T>::onnx_lowering(OnnxLowering&) const;        \
  template void SimpleRNNCell<T>::onnx_lowering(OnnxLowering&) const;
LOOM_INSTANTIATE_ONNX_CELLS(float)
LOOM_INSTANTIATE_ONNX_CELLS(double)
#undef LOOM_INSTANTIATE_ONNX_CELLS

}  // namespace loom
