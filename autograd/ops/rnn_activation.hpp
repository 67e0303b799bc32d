#pragma once
// The activations the fused recurrent ops (gru_sequence, gru_cell_step, lstm_sequence) implement,
// shared by the GRU and the LSTM kernels.
#include <string_view>

namespace loom {

// hard_sigmoid is tf.keras 2.x's clip(0.2x + 0.5, 0, 1), as loom::hard_sigmoid. Every one has a
// derivative expressible from its output, which is what lets the backward passes keep only the
// gate values.
enum class RnnActivation { linear, tanh, sigmoid, hard_sigmoid, relu };

// "linear" (also "" and "None"), "tanh", "sigmoid", "hard_sigmoid", "relu". Throws ValueError for
// any other name.
RnnActivation rnn_activation_from_name(std::string_view name);
// Whether the fused ops implement this activation pair; a caller falls back to a step loop if not.
bool rnn_sequence_supports(std::string_view activation, std::string_view recurrent_activation);

}  // namespace loom
