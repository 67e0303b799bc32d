#pragma once
// The config fields the recurrent cells share (GRUCell, LSTMCell, SimpleRNNCell), written and read
// by one template, so that a cell's config and the flat config of its layer (GRU, LSTM, SimpleRNN:
// Keras writes the cell's fields into the layer's config) cannot drift apart. Field order is
// Keras 3's get_config order, with tf.keras 2.x's `implementation` after the rates.
#include <concepts>
#include <cstddef>

#include "core/config.hpp"
#include "layers/layer_config.hpp"

namespace loom::config {

template <class O>
void write_cell_options(Config& c, std::size_t units, const O& o) {
  c["units"] = units;
  c["activation"] = activation(o.activation.ptr);
  if constexpr (requires { o.recurrent_activation; }) c["recurrent_activation"] = activation(o.recurrent_activation.ptr);
  c["use_bias"] = o.use_bias;
  c["kernel_initializer"] = initializer(o.kernel_initializer.ptr);
  c["recurrent_initializer"] = initializer(o.recurrent_initializer.ptr);
  c["bias_initializer"] = initializer(o.bias_initializer.ptr);
  if constexpr (requires { o.unit_forget_bias; }) c["unit_forget_bias"] = o.unit_forget_bias;
  c["kernel_regularizer"] = regularizer(o.kernel_regularizer.ptr);
  c["recurrent_regularizer"] = regularizer(o.recurrent_regularizer.ptr);
  c["bias_regularizer"] = regularizer(o.bias_regularizer.ptr);
  c["kernel_constraint"] = constraint(o.kernel_constraint.ptr);
  c["recurrent_constraint"] = constraint(o.recurrent_constraint.ptr);
  c["bias_constraint"] = constraint(o.bias_constraint.ptr);
  c["dropout"] = o.dropout;
  c["recurrent_dropout"] = o.recurrent_dropout;
  if constexpr (requires { o.implementation; }) c["implementation"] = o.implementation;
  if constexpr (requires { o.reset_after; }) c["reset_after"] = o.reset_after;
  c["seed"] = o.seed ? Config(*o.seed) : Config(nullptr);
}

// Reads the fields above into `o` (absent ones keep o's value) and returns units (required).
template <class O>
long long read_cell_options(Reader& r, O& o) {
  const long long units = r.integer("units");
  read(r, "activation", o.activation);
  if constexpr (requires { o.recurrent_activation; }) read(r, "recurrent_activation", o.recurrent_activation);
  read(r, "use_bias", o.use_bias);
  read(r, "kernel_initializer", o.kernel_initializer);
  read(r, "recurrent_initializer", o.recurrent_initializer);
  read(r, "bias_initializer", o.bias_initializer);
  if constexpr (requires { o.unit_forget_bias; }) read(r, "unit_forget_bias", o.unit_forget_bias);
  read(r, "kernel_regularizer", o.kernel_regularizer);
  read(r, "recurrent_regularizer", o.recurrent_regularizer);
  read(r, "bias_regularizer", o.bias_regularizer);
  read(r, "kernel_constraint", o.kernel_constraint);
  read(r, "recurrent_constraint", o.recurrent_constraint);
  read(r, "bias_constraint", o.bias_constraint);
  read(r, "dropout", o.dropout);
  read(r, "recurrent_dropout", o.recurrent_dropout);
  if constexpr (requires { o.implementation; }) read(r, "implementation", o.implementation);
  if constexpr (requires { o.reset_after; }) read(r, "reset_after", o.reset_after);
  read(r, "seed", o.seed);
  // Keras's layer-level regularizer of outputs; loom has none.
  r.unsupported("activity_regularizer", {nullptr});
  return units;
}

}  // namespace loom::config
