#pragma once
// The checks of MinimalRNNCell's fused sequence op (minimal_rnn_sequence), in double precision:
// gradcheck against central differences under RNN (forwards and go_backwards), the same numbers
// and gradients as the step loop (RNNOptions::use_fused = false), and the fused op running under
// RNN, Bidirectional and a stateful RNN. Any failure throws loom::RuntimeError.

namespace custom {

// Returns the largest gradcheck relative error.
double check_fused_sequence();

}  // namespace custom
