#pragma once
// Internal to the built-in cells' call_sequence overrides (gru_cell.cpp, lstm_cell.cpp): what the
// fused sequence ops' options share, filled from a cell and one RNN call. docs/keras_compat.md,
// "RNN: fused path".
#include <string>
#include <utility>

#include "autograd/ops/rnn_activation.hpp"
#include "layers/rnn_cell.hpp"

namespace loom::rnn_detail {

// Fills activation, recurrent_activation, go_backwards, mask, zero_output_for_mask and the dropout
// masks of FusedOptions (GruSequenceOptions or LstmSequenceOptions) from the cell and the call;
// false, before any dropout mask is drawn, when the ops lack one of the cell's activations.
template <class T, class FusedOptions, class Cell>
bool fused_options(FusedOptions& fo, Cell& cell, const SequenceCall<T>& call) {
  const auto& o = cell.options();
  const std::string act = o.activation.ptr->name(), rec = o.recurrent_activation.ptr->name();
  if (!rnn_sequence_supports(act, rec)) return false;
  fo.activation = rnn_activation_from_name(act);
  fo.recurrent_activation = rnn_activation_from_name(rec);
  fo.go_backwards = call.go_backwards;
  fo.mask = call.mask;
  fo.zero_output_for_mask = call.zero_output_for_mask;
  auto drop = cell.get_dropout_masks(call.x.dim(0), call.training);
  fo.input_dropout = std::move(drop.input);
  fo.recurrent_dropout = std::move(drop.recurrent);
  return true;
}

}  // namespace loom::rnn_detail
