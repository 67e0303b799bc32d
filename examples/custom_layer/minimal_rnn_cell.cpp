#include "minimal_rnn_cell.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/unary.hpp"
#include "core/errors.hpp"
#include "lecun_tanh.hpp"
#include "minimal_rnn_sequence.hpp"

namespace custom {

template <class T>
MinimalRNNCell<T>::MinimalRNNCell(long units, MinimalRNNCellOptions options, std::string name)
    : loom::RNNCell<T>(name.empty() ? loom::unique_layer_name("minimal_rnn_cell") : std::move(name)),
      units_(units > 0 ? static_cast<std::size_t>(units) : 0),
      opt_(std::move(options)) {
  if (units <= 0)
    throw loom::ValueError("MinimalRNNCell: argument 'units' expected a positive integer, received " +
                           std::to_string(units));
}

template <class T>
void MinimalRNNCell<T>::build(const loom::Shape& input_shape) {
  loom::Layer<T>::build(input_shape);
  const std::size_t in = input_shape.dim(-1);
  const auto zeros = std::make_shared<loom::Zeros>();
  kernel_ = this->add_weight("kernel", {in, units_}, opt_.kernel_initializer.ptr);
  input_bias_ = this->add_weight("input_bias", {units_}, zeros);
  recurrent_kernel_ = this->add_weight("recurrent_kernel", {units_, units_}, opt_.recurrent_initializer.ptr,
                                       opt_.recurrent_regularizer.ptr);
  gate_kernel_ = this->add_weight("gate_kernel", {units_, units_}, opt_.gate_initializer.ptr);
  gate_bias_ = this->add_weight("gate_bias", {units_}, zeros);
  this->mark_built();
}

template <class T>
loom::CellOutput<T> MinimalRNNCell<T>::call(const loom::Tensor<T>& x, const std::vector<loom::Tensor<T>>& states,
                                           bool /*training*/) {
  this->maybe_build(x.shape());
  if (states.size() != 1 || states[0].rank() != 2 || states[0].dim(1) != units_)
    throw loom::ShapeError("MinimalRNNCell '" + this->name() + "': expected one state of shape (batch, " +
                           std::to_string(units_) + ")");
  const loom::Tensor<T>& h = states[0];
  // Every line is a recorded op, so the tape differentiates the step; only lecun_tanh is new.
  const auto z = lecun_tanh(loom::matmul(x, kernel_.value()) + input_bias_.value());
  const auto u = loom::sigmoid(loom::matmul(h, recurrent_kernel_.value()) + loom::matmul(z, gate_kernel_.value()) +
                               gate_bias_.value());
  const auto next = u * h + (T(1) - u) * z;
  return {next, {next}};
}

template <class T>
std::optional<loom::SequenceResult<T>> MinimalRNNCell<T>::call_sequence(const loom::SequenceCall<T>& call) {
  if (call.mask.defined()) return std::nullopt;
  this->maybe_build(loom::Shape{call.x.dim(0), call.x.dim(2)});
  auto r = minimal_rnn_sequence(call.x, call.states.at(0), kernel_.value(), input_bias_.value(),
                                recurrent_kernel_.value(), gate_kernel_.value(), gate_bias_.value(), call.go_backwards);
  ++fused_calls_;
  return loom::SequenceResult<T>{std::move(r.outputs), {std::move(r.state)}};
}

template <class T>
loom::Config MinimalRNNCell<T>::get_config() const {
  loom::Config c = loom::Layer<T>::get_config();
  c["units"] = std::to_string(units_);
  c["recurrent_regularizer"] = opt_.recurrent_regularizer.ptr ? opt_.recurrent_regularizer.ptr->repr() : "None";
  return c;
}

template class MinimalRNNCell<float>;
template class MinimalRNNCell<double>;

}  // namespace custom
