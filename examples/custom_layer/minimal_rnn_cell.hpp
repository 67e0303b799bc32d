#pragma once
// MinimalRNNCell: a recurrent cell defined outside the library (Chen 2017, "MinimalRNN"):
//   z  = lecun_tanh(x W + b_z)                 the input, mapped into the state's space
//   u  = sigmoid(h U_h + z U_z + b_u)          how much of the old state to keep
//   h' = u * h + (1 - u) * z
// It derives from loom::RNNCell, so loom::RNN steps it like any built-in cell (masking,
// go_backwards, stateful, return_sequences all work), and its weights are declared with
// add_weight, so fit, save_weights and regularization losses see them.
#include <string>

#include "layers/initializers.hpp"
#include "layers/regularizers.hpp"
#include "layers/rnn_cell.hpp"

namespace custom {

// Options in the Keras style: designated initializers, identifiers or objects.
struct MinimalRNNCellOptions {
  loom::InitializerArg kernel_initializer = "glorot_uniform";
  loom::InitializerArg recurrent_initializer = "orthogonal";
  loom::InitializerArg gate_initializer = "glorot_uniform";
  loom::RegularizerArg recurrent_regularizer = nullptr;
};

template <class T = float>
class MinimalRNNCell : public loom::RNNCell<T> {
 public:
  explicit MinimalRNNCell(long units, MinimalRNNCellOptions options = {}, std::string name = "");
  using loom::RNNCell<T>::call;

  std::vector<std::size_t> state_size() const override { return {units_}; }
  std::size_t output_size() const override { return units_; }
  // input_shape is one step's (batch, features).
  void build(const loom::Shape& input_shape) override;
  loom::CellOutput<T> call(const loom::Tensor<T>& x, const std::vector<loom::Tensor<T>>& states,
                           bool training) override;
  loom::Config get_config() const override;

 private:
  std::size_t units_;
  MinimalRNNCellOptions opt_;
  loom::Variable<T> kernel_, input_bias_, recurrent_kernel_, gate_kernel_, gate_bias_;
};

extern template class MinimalRNNCell<float>;
extern template class MinimalRNNCell<double>;

}  // namespace custom
