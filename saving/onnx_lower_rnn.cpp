// The ONNX lowerings of RNN and Bidirectional (Layer::onnx_lowering). ONNX's recurrent operators
// are time-major and ONNX Runtime implements only layout = 0, so the batch-major sequence is
// transposed in and out. Each cell of a stack is one operator node; go_backwards is
// direction = "reverse" plus a flip of the sequence output (ONNX returns it in input time order,
// Keras in processing order); a mask becomes sequence_lens for right-padded inputs.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "layers/bidirectional.hpp"
#include "layers/rnn.hpp"
#include "saving/onnx_cells.hpp"
#include "saving/onnx_detail.hpp"

namespace loom {

namespace {

std::string flip_time(OnnxLowering& g, const std::string& seq) {
  return g.node("Slice", {seq, g.constant_int64("flip_start", {-1}, {1}),
                          g.constant_int64("flip_end", {std::numeric_limits<std::int64_t>::min()}, {1}),
                          g.constant_int64("flip_axis", {1}, {1}), g.constant_int64("flip_step", {-1}, {1})});
}

// The sequence_lens operand for the mask reaching `rnn`, or "" without a mask; refuses what ONNX
// cannot express.
template <class T>
std::string sequence_lens(OnnxLowering& g, const RNN<T>& rnn) {
  const OnnxMask& m = g.mask();
  if (m.empty()) return "";
  const std::string who = "export_onnx: layer '" + rnn.name() + "' receives the mask of '" + m.source + "'";
  const OnnxPadding p = g.options().padding;
  if (p == OnnxPadding::left)
    throw ValueError(who + " and padding is left: ONNX's recurrent operators take a mask only as sequence_lens "
                     "(the first n steps of each sample are real), which cannot express left padding; pad on the "
                     "right to export");
  if (p != OnnxPadding::right)
    throw ValueError(who + ", and OnnxExportOptions::padding is unspecified: ONNX's recurrent operators take a mask "
                     "only as sequence_lens, which is right for right-padded inputs only; set .padding = "
                     "OnnxPadding::right when the inputs are right-padded");
  return m.lengths;
}

struct Lowered {
  std::string value;
  OnnxShape shape;
};

// One RNN over the batch-major sequence g.input(): its output as Keras gives it, its sequence
// reversed in time once more with `reverse_output` (Bidirectional's backward layer).
template <class T>
Lowered lower_rnn(OnnxLowering& g, const RNN<T>& rnn, bool reverse_output) {
  const auto& o = rnn.options();
  if (o.stateful)
    throw ValueError("export_onnx: layer '" + rnn.name() + "' has stateful=true: its states carry over from one "
                     "call to the next, which an ONNX graph (a function of its inputs only) cannot hold; export a "
                     "copy with stateful=false");
  if (o.time_major)
    throw NotImplementedError("export_onnx: layer '" + rnn.name() + "' has time_major=true, which export_onnx does "
                              "not lower (batch-major inputs only)");
  const std::string lens = sequence_lens(g, rnn);
  const OnnxShape in = g.input_shape();
  const auto cells = rnn.cell()->stacked_cells();
  std::vector<onnx_detail::OnnxCellOp> ops;
  for (const RNNCell<T>* c : cells) {
    auto op = onnx_detail::cell_op(g, *c);
    if (!op) {
      c->onnx_lowering(g);  // a user cell's own hook; the default refuses, naming the cell
      throw NotImplementedError("export_onnx: cell '" + c->name() + "' of layer '" + rnn.name() +
                                "' is not a GRUCell, LSTMCell or SimpleRNNCell; a user cell lowers the whole RNN "
                                "only as a user layer (override onnx_lowering on a Layer, not on a cell)");
    }
    ops.push_back(std::move(*op));
  }
  std::string seq = g.node("Transpose", {g.input()}, {{"perm", std::vector<std::int64_t>{1, 0, 2}}});
  std::string last;
  for (const auto& op : ops) {
    std::vector<OnnxAttr> attrs = {{"hidden_size", static_cast<std::int64_t>(op.units)},
                                   {"direction", o.go_backwards ? "reverse" : "forward"},
                                   {"activations", op.activations}};
    if (!op.alphas.empty()) {
      attrs.emplace_back("activation_alpha", op.alphas);
      attrs.emplace_back("activation_beta", op.betas);
    }
    if (op.op_type == "GRU") attrs.emplace_back("linear_before_reset", op.linear_before_reset ? 1 : 0);
    std::vector<std::string> inputs = {seq, op.w, op.r, op.b};
    if (!lens.empty()) inputs.push_back(lens);
    while (inputs.back().empty()) inputs.pop_back();
    const auto outs = g.node(op.op_type, inputs, 2, attrs);
    // Y (T, 1, B, U) -> (T, B, U); Y_h (1, B, U) -> (B, U).
    seq = g.node("Squeeze", {outs[0], g.constant_int64("direction_axis", {1}, {1})});
    last = g.node("Squeeze", {outs[1], g.constant_int64("direction_axis", {0}, {1})});
  }
  const OnnxDim units{static_cast<std::int64_t>(ops.back().units), ""};
  if (!o.return_sequences) {
    g.set_mask({});
    return {last, {in[0], units}};
  }
  seq = g.node("Transpose", {seq}, {{"perm", std::vector<std::int64_t>{1, 0, 2}}});
  if (!lens.empty() && !o.go_backwards && !o.zero_output_for_mask) {
    // ONNX gives zeros after the last real step; Keras repeats the last real output (the final
    // state, Y_h), which is the output of each masked step when zero_output_for_mask is false.
    // Going backwards the masked steps come first and both give zeros.
    const std::string kept = g.node("Cast", {g.node("Unsqueeze", {g.mask().steps, g.constant_int64("unit_axis", {2}, {1})})},
                                    {{"to", std::int64_t{onnx::TensorProto::BOOL}}});
    seq = g.node("Where", {kept, seq, g.node("Unsqueeze", {last, g.constant_int64("time_axis", {1}, {1})})});
  }
  if (o.go_backwards != reverse_output) seq = flip_time(g, seq);
  return {seq, {in[0], in[1], units}};
}

}  // namespace

template <class T>
void RNN<T>::onnx_lowering(OnnxLowering& g) const {
  auto r = lower_rnn(g, *this, false);
  g.set_output(r.value, r.shape);
}

template <class T>
void Bidirectional<T>::onnx_lowering(OnnxLowering& g) const {
  if (merge_mode_ == "none")
    throw ValueError("export_onnx: layer '" + this->name() + "' has merge_mode None, which gives two outputs; "
                     "a Sequential model (one output) expected concat, sum, mul or ave");
  const std::string x = g.input();
  const OnnxShape shape = g.input_shape();
  const OnnxMask mask = g.mask();
  const auto f = lower_rnn(g, *forward_, false);
  g.set_output(x, shape);
  g.set_mask(mask);
  // Keras reverses the backward layer's sequence back into input time order; for a go_backwards
  // layer that undoes its own flip, leaving ONNX's reverse direction's output as it is.
  auto b = lower_rnn(g, *backward_, backward_->options().return_sequences);
  std::string y;
  OnnxShape out = f.shape;
  if (merge_mode_ == "concat") {
    y = g.node("Concat", {f.value, b.value}, {{"axis", -1}});
    out.back().size *= 2;
  } else if (merge_mode_ == "sum") {
    y = g.node("Add", {f.value, b.value});
  } else if (merge_mode_ == "mul") {
    y = g.node("Mul", {f.value, b.value});
  } else {
    y = g.node("Mul", {g.node("Add", {f.value, b.value}), g.constant_floats("half", {0.5f}, {})});
  }
  g.set_output(y, out);
}

template void RNN<float>::onnx_lowering(OnnxLowering&) const;
template void RNN<double>::onnx_lowering(OnnxLowering&) const;
template void Bidirectional<float>::onnx_lowering(OnnxLowering&) const;
template void Bidirectional<double>::onnx_lowering(OnnxLowering&) const;

}  // namespace loom
