#pragma once
// PyTorch's layout of recurrent weights and the exact mapping to and from loom's (Keras's) layout,
// so that weights trained with torch.nn.GRU / LSTM / RNN run in loom and the other way round
// (docs/keras_contract.md §9.1; docs/interop.md has the tables and worked examples).
//
//   Keras (loom)                                  PyTorch
//   kernel (I, G·U), column blocks in gate order  weight_ih (G·U, I), row blocks in torch's order
//   recurrent_kernel (U, G·U)                     weight_hh (G·U, U)
//   bias                                          bias_ih (G·U,), bias_hh (G·U,)
//
// GRU (G = 3): Keras z, r, h; torch r, z, n. Keras's bias (2, 3U) holds the input bias in row 0
// and the recurrent bias in row 1, which are exactly bias_ih and bias_hh (reordered). Only
// reset_after=True is torch's GRU; reset_after=False (bias (3U,)) has no torch counterpart.
// LSTM (G = 4): both use i, f, c(=g), o. Keras has one bias, torch two that are always added:
// to torch, the bias goes into bias_ih and bias_hh is zero; from torch, bias = bias_ih + bias_hh.
// SimpleRNN (G = 1): torch.nn.RNN; the bias is split as for LSTM.
// Every mapping is a permutation and a transpose, so it is bit exact (LSTM/SimpleRNN from torch
// adds the two biases, which is exact whenever one of them is zero, as after a loom export).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "layers/layer.hpp"
#include "layers/rnn_cell.hpp"

namespace loom {

// One cell's weights in Keras's layout; bias is undefined for a cell without bias (use_bias=false).
template <class T>
struct KerasCellWeights {
  Tensor<T> kernel, recurrent_kernel, bias;
};

// One cell's weights in PyTorch's layout (one layer and direction of torch.nn.GRU/LSTM/RNN); the
// biases are undefined (both) for a module built with bias=False.
template <class T>
struct TorchCellWeights {
  Tensor<T> weight_ih, weight_hh, bias_ih, bias_hh;
};

// Shapes are checked first: a wrong rank or size throws ShapeError naming the function, the
// argument (Keras's or torch's weight name), the expected and the received shape. A GRU bias of
// shape (3U,) is reset_after=False and throws ValueError saying torch has no such GRU.
template <class T>
TorchCellWeights<T> gru_to_torch(const KerasCellWeights<T>& keras);
template <class T>
KerasCellWeights<T> gru_from_torch(const TorchCellWeights<T>& torch);
template <class T>
TorchCellWeights<T> lstm_to_torch(const KerasCellWeights<T>& keras);
template <class T>
KerasCellWeights<T> lstm_from_torch(const TorchCellWeights<T>& torch);
template <class T>
TorchCellWeights<T> simple_rnn_to_torch(const KerasCellWeights<T>& keras);
template <class T>
KerasCellWeights<T> simple_rnn_from_torch(const TorchCellWeights<T>& torch);

// TorchRNNKind, the torch module a cell corresponds to, is in layers/torch_cell.hpp (a cell's
// torch_layout() names it).
// "GRU", "LSTM", "RNN(nonlinearity='tanh')", "RNN(nonlinearity='relu')".
std::string torch_module_name(TorchRNNKind kind);

// One built cell of a model, placed as one layer and direction of a single torch module.
template <class T>
struct TorchCellSlot {
  const RNNCell<T>* cell = nullptr;  // a cell whose torch_layout() places it
  TorchRNNKind kind = TorchRNNKind::gru;
  // The cell's kernel, recurrent_kernel and (with use_bias) bias, from its torch_layout().
  std::vector<Variable<T>> weights;
  std::size_t layer = 0;  // torch's k in weight_ih_l{k}
  bool reverse = false;   // the backward half of a Bidirectional (torch's "_reverse")
  bool use_bias = true;
  // "_l{k}" or "_l{k}_reverse", the ending of the cell's torch keys.
  std::string suffix() const;
  // The names of `weights` as in a Keras-keyed map (for loom's cells "<cell name>/kernel",
  // ".../recurrent_kernel" and, with use_bias, ".../bias").
  std::vector<std::string> keras_names() const;
  // Its torch keys with `prefix` in front ("rnn." for a submodule named rnn): weight_ih, weight_hh
  // and, with use_bias, bias_ih, bias_hh, each followed by suffix().
  std::vector<std::string> torch_names(const std::string& prefix = "") const;
};

// The recurrent cells among `layers` (in order) as the layers of ONE torch.nn.GRU, LSTM or RNN,
// read through the hooks Layer::recurrent_layers, RNNCell::stacked_cells and RNNCell::torch_layout:
// an RNN contributes one torch layer per cell (a stack of cells gives consecutive layers), a
// Bidirectional one torch layer whose backward half is "_reverse". Other layers contribute
// nothing (their weights keep their Keras names). The cells must be built. Throws ValueError when
// the cells have no single torch module: reset_after=False, activations other than torch's, a
// go_backwards RNN outside a Bidirectional, a Bidirectional over stacked cells, mixed cell kinds,
// bidirectional mixed with unidirectional layers, or mixed use_bias. A cell without a torch_layout()
// (a user-defined cell that does not override it) throws NotImplementedError naming the cell.
template <class T>
std::vector<TorchCellSlot<T>> torch_cell_slots(const std::vector<const Layer<T>*>& layers);

// A Keras-keyed weight map (as named_weights gives it) in torch's keys and layout: the slots'
// weights become "<prefix>weight_ih_l{k}[_reverse]", ...; every other entry is kept as it is.
// A slot weight missing from `keras` -> ValueError; a kept name that clashes with a torch key ->
// ValueError.
template <class T>
std::map<std::string, Tensor<T>> keras_to_torch(const std::vector<TorchCellSlot<T>>& slots,
                                                const std::map<std::string, Tensor<T>>& keras,
                                                const std::string& prefix = "");
// The reverse. A missing torch key throws IOError naming it and `what` (the file); a wrong shape
// ShapeError naming the key, the expected and the received shape (the expected shape comes from
// the built cell). Entries that are not the slots' torch keys are kept under their names.
template <class T>
std::map<std::string, Tensor<T>> torch_to_keras(const std::vector<TorchCellSlot<T>>& slots,
                                                const std::map<std::string, Tensor<T>>& torch,
                                                const std::string& what, const std::string& prefix = "");

#define LOOM_EXTERN_TORCH_LAYOUT(T)                                                                     \
  extern template TorchCellWeights<T> gru_to_torch<T>(const KerasCellWeights<T>&);                     \
  extern template KerasCellWeights<T> gru_from_torch<T>(const TorchCellWeights<T>&);                   \
  extern template TorchCellWeights<T> lstm_to_torch<T>(const KerasCellWeights<T>&);                    \
  extern template KerasCellWeights<T> lstm_from_torch<T>(const TorchCellWeights<T>&);                  \
  extern template TorchCellWeights<T> simple_rnn_to_torch<T>(const KerasCellWeights<T>&);              \
  extern template KerasCellWeights<T> simple_rnn_from_torch<T>(const TorchCellWeights<T>&);            \
  extern template struct TorchCellSlot<T>;                                                              \
  extern template std::vector<TorchCellSlot<T>> torch_cell_slots<T>(const std::vector<const Layer<T>*>&); \
  extern template std::map<std::string, Tensor<T>> keras_to_torch<T>(                                   \
      const std::vector<TorchCellSlot<T>>&, const std::map<std::string, Tensor<T>>&, const std::string&); \
  extern template std::map<std::string, Tensor<T>> torch_to_keras<T>(                                   \
      const std::vector<TorchCellSlot<T>>&, const std::map<std::string, Tensor<T>>&, const std::string&, \
      const std::string&);
LOOM_EXTERN_TORCH_LAYOUT(float)
LOOM_EXTERN_TORCH_LAYOUT(double)
#undef LOOM_EXTERN_TORCH_LAYOUT

}  // namespace loom
