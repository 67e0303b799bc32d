#include "autograd/ops/rnn_activation.hpp"

#include <string>

#include "core/errors.hpp"

namespace loom {

RnnActivation rnn_activation_from_name(std::string_view name) {
  if (name == "linear" || name.empty() || name == "None") return RnnActivation::linear;
  if (name == "tanh") return RnnActivation::tanh;
  if (name == "sigmoid") return RnnActivation::sigmoid;
  if (name == "hard_sigmoid") return RnnActivation::hard_sigmoid;
  if (name == "relu") return RnnActivation::relu;
  throw ValueError("rnn_activation_from_name: activation expected one of linear, tanh, sigmoid, hard_sigmoid, "
                   "relu, received '" + std::string(name) + "'");
}

bool rnn_sequence_supports(std::string_view activation, std::string_view recurrent_activation) {
  try {
    rnn_activation_from_name(activation);
    rnn_activation_from_name(recurrent_activation);
    return true;
  } catch (const ValueError&) {
    return false;
  }
}

}  // namespace loom
