#pragma once
// Small helpers shared by the recurrent cells and layers (not part of layers.hpp).
#include <cstddef>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/tensor.hpp"
#include "layers/activations.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/regularizers.hpp"

namespace loom::rnn_detail {

// A cell step's arguments: x (B, input_dim) and one (B, size) tensor per state.
template <class T>
void check_step(const char* cell, const Tensor<T>& x, std::size_t input_dim,
                const std::vector<Tensor<T>>& states, const std::vector<std::size_t>& sizes) {
  if (!x.defined() || x.rank() != 2 || x.dim(1) != input_dim)
    throw ShapeError(std::string(cell) + ": input expected shape (batch, " + std::to_string(input_dim) +
                     "), received " + (x.defined() ? x.shape().str() : std::string("an undefined tensor")));
  if (states.size() != sizes.size())
    throw ValueError(std::string(cell) + ": states expected " + std::to_string(sizes.size()) +
                     " tensor(s), received " + std::to_string(states.size()));
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (!states[i].defined() || states[i].rank() != 2 || states[i].dim(0) != x.dim(0) ||
        states[i].dim(1) != sizes[i])
      throw ShapeError(std::string(cell) + ": state " + std::to_string(i) + " expected shape (" +
                       std::to_string(x.dim(0)) + ", " + std::to_string(sizes[i]) + "), received " +
                       (states[i].defined() ? states[i].shape().str() : std::string("an undefined tensor")));
}

}  // namespace loom::rnn_detail
