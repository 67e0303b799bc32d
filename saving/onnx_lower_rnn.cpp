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
  const std::string layer = g.layer_name();
  // Each cell of a stack lowers one direction of the whole sequence, time-major, reading the one
  // before it (RNNCell's Layer::onnx_lowering; a cell without one is refused, naming it).
  g.set_output(g.node("Transpose", {g.input()}, {{"perm", std::vector<std::int64_t>{1, 0, 2}}}), {in[1], in[0], in[2]});
  std::string last;
  for (const RNNCell<T>* c : rnn.cell()->stacked_cells()) {
    g.recurrence() = {o.go_backwards ? "reverse" : "forward", lens, ""};
    g.impl().layer = c->name();
    c->onnx_lowering(g);
    g.impl().layer = layer;
    last = g.recurrence().final_output;
    if (last.empty())
      throw ValueError("export_onnx: cell '" + c->name() + "' of layer '" + rnn.name() + "': its onnx_lowering "
                       "expected to set recurrence().final_output, received none");
  }
  std::string seq = g.input();
  const OnnxDim units = g.input_shape().back();
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
