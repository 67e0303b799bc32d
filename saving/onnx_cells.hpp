#pragma once
// Private to saving/onnx_lower_*.cpp: a built-in cell as the operands and attributes of one ONNX
// GRU, LSTM or RNN node (saving/onnx_lower_cells.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "layers/rnn_cell.hpp"
#include "saving/onnx_lowering.hpp"

namespace loom::onnx_detail {

struct OnnxCellOp {
  std::string op_type;      // "GRU", "LSTM", "RNN"
  std::string w, r, b;      // initializer names; b is "" without use_bias
  std::vector<std::string> activations;
  std::vector<float> alphas, betas;
  bool linear_before_reset = false;  // GRU
  std::size_t units = 0;
};

// nullopt for a cell that is not GRUCell, LSTMCell or SimpleRNNCell; ValueError naming the cell and
// the option for an activation ONNX's recurrent operators lack.
template <class T>
std::optional<OnnxCellOp> cell_op(OnnxLowering& g, const RNNCell<T>& cell);

}  // namespace loom::onnx_detail
