#pragma once
// Small helpers shared by the recurrent cells and layers (not part of layers.hpp).
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/tensor.hpp"
#include "layers/activations.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/regularizers.hpp"

namespace loom::rnn_detail {

inline std::string fmt(bool b) { return b ? "true" : "false"; }
inline std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}
inline std::string fmt(const ActivationPtr& a) { return a->name(); }
inline std::string fmt(const InitializerPtr& i) { return i ? i->repr() : "None"; }
inline std::string fmt(const RegularizerPtr& r) { return r ? r->repr() : "None"; }
inline std::string fmt(const ConstraintPtr& c) { return c ? c->repr() : "None"; }

inline std::size_t checked_units(const char* layer, long units) {
  if (units <= 0)
    throw ValueError(std::string(layer) +
                     ": received an invalid value for argument units, expected a positive integer, got " +
                     std::to_string(units));
  return static_cast<std::size_t>(units);
}

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
