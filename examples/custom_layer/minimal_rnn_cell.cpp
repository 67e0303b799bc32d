#include "minimal_rnn_cell.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/unary.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "fan_in_uniform.hpp"
#include "core/checks.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"
#include "orthogonality.hpp"
#include "lecun_tanh.hpp"
#include "minimal_rnn_sequence.hpp"

namespace custom {

template <class T>
MinimalRNNCell<T>::MinimalRNNCell(long units, MinimalRNNCellOptions options)
    : loom::RNNCell<T>(options.name.empty() ? loom::unique_layer_name("minimal_rnn_cell") : options.name),
      units_(loom::check::positive("MinimalRNNCell", "units", units)),
      opt_(std::move(options)) {}

template <class T>
void MinimalRNNCell<T>::build(const loom::Shape& input_shape) {
  const std::size_t in = input_shape.dim(-1);
  const auto zeros = std::make_shared<loom::Zeros>();
  kernel_ = this->add_weight("kernel", {in, units_}, opt_.kernel_initializer.ptr);
  input_bias_ = this->add_weight("input_bias", {units_}, zeros);
  recurrent_kernel_ = this->add_weight("recurrent_kernel", {units_, units_}, opt_.recurrent_initializer.ptr,
                                       opt_.recurrent_regularizer.ptr);
  gate_kernel_ = this->add_weight("gate_kernel", {units_, units_}, opt_.gate_initializer.ptr);
  gate_bias_ = this->add_weight("gate_bias", {units_}, zeros);
  loom::RNNCell<T>::build(input_shape);  // records the shape and marks the cell built
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
  c["units"] = units_;
  c["kernel_initializer"] = loom::config::initializer(opt_.kernel_initializer.ptr);
  c["recurrent_initializer"] = loom::config::initializer(opt_.recurrent_initializer.ptr);
  c["gate_initializer"] = loom::config::initializer(opt_.gate_initializer.ptr);
  c["recurrent_regularizer"] = loom::config::regularizer(opt_.recurrent_regularizer.ptr);
  return c;
}

template <class T>
std::shared_ptr<MinimalRNNCell<T>> MinimalRNNCell<T>::from_config(const loom::Config& c) {
  loom::config::Reader r(c, "MinimalRNNCell");
  const auto base = loom::config::read_layer_base<T>(r);
  MinimalRNNCellOptions o;
  o.name = base.name;
  const long units = static_cast<long>(r.integer("units"));
  loom::config::read(r, "kernel_initializer", o.kernel_initializer);
  loom::config::read(r, "recurrent_initializer", o.recurrent_initializer);
  loom::config::read(r, "gate_initializer", o.gate_initializer);
  loom::config::read(r, "recurrent_regularizer", o.recurrent_regularizer);
  r.finish();
  return loom::config::finish_layer(std::make_shared<MinimalRNNCell<T>>(units, std::move(o)), base);
}

void register_classes() {
  loom::register_layer<MinimalRNNCell>("MinimalRNNCell");
  loom::register_initializer<FanInUniform>("FanInUniform");
  loom::register_regularizer<Orthogonality>("Orthogonality");
}

template class MinimalRNNCell<float>;
template class MinimalRNNCell<double>;

}  // namespace custom
