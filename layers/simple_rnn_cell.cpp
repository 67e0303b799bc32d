#include "layers/simple_rnn_cell.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "layers/cell_config.hpp"
#include "layers/rnn_util.hpp"

namespace loom {


template <class T>
SimpleRNNCell<T>::SimpleRNNCell(std::size_t units, SimpleRNNCellOptions options, int)
    : RNNCell<T>(options.name.empty() ? unique_layer_name("simple_rnn_cell") : options.name),
      units_(units),
      opt_(std::move(options)),
      generator_(make_dropout_generator(opt_.seed)) {
  opt_.dropout = clip_dropout_rate(opt_.dropout);
  opt_.recurrent_dropout = clip_dropout_rate(opt_.recurrent_dropout);
}

template <class T>
void SimpleRNNCell<T>::build(const Shape& input_shape) {
  const std::size_t in = input_shape.dim(-1);
  kernel_ = this->add_weight("kernel", {in, units_}, opt_.kernel_initializer.ptr,
                             opt_.kernel_regularizer.ptr, opt_.kernel_constraint.ptr);
  recurrent_kernel_ = this->add_weight("recurrent_kernel", {units_, units_}, opt_.recurrent_initializer.ptr,
                                       opt_.recurrent_regularizer.ptr, opt_.recurrent_constraint.ptr);
  if (opt_.use_bias)
    bias_ = this->add_weight("bias", {units_}, opt_.bias_initializer.ptr, opt_.bias_regularizer.ptr,
                             opt_.bias_constraint.ptr);
  RNNCell<T>::build(input_shape);  // records the shape and marks the cell built
}

template <class T>
CellOutput<T> SimpleRNNCell<T>::call(const Tensor<T>& x, const std::vector<Tensor<T>>& states,
                                     bool training) {
  this->maybe_build(x.shape());
  rnn_detail::check_step("SimpleRNNCell", x, kernel_.shape()[0], states, state_size());
  Tensor<T> in = x;
  Tensor<T> h = states[0];
  if (dropout_active(opt_.dropout, training))
    in = in * input_masks_.get(x.shape(), opt_.dropout, 1, generator_)[0];
  if (dropout_active(opt_.recurrent_dropout, training))
    h = h * recurrent_masks_.get(h.shape(), opt_.recurrent_dropout, 1, generator_)[0];
  Tensor<T> z = matmul(in, kernel_.value());
  if (opt_.use_bias) z = z + bias_.value();
  z = z + matmul(h, recurrent_kernel_.value());
  Tensor<T> out = (*opt_.activation.ptr)(z);
  return {out, {out}};
}

template <class T>
void SimpleRNNCell<T>::reset_dropout_masks() {
  input_masks_.reset();
  recurrent_masks_.reset();
}

template <class T>
Config SimpleRNNCell<T>::get_config() const {
  Config c = Layer<T>::get_config();
  config::write_cell_options(c, units_, opt_);
  return c;
}

template <class T>
std::shared_ptr<SimpleRNNCell<T>> SimpleRNNCell<T>::from_config(const Config& c) {
  config::Reader r(c, "SimpleRNNCell");
  const auto base = config::read_layer_base<T>(r);
  SimpleRNNCellOptions o;
  o.name = base.name;
  const long long units = config::read_cell_options(r, o);
  r.finish();
  return config::finish_layer(std::make_shared<SimpleRNNCell<T>>(units, std::move(o)), base);
}

template <class T>
std::map<std::string, Tensor<T>> SimpleRNNCell<T>::extra_state() const {
  if (opt_.dropout == 0.0 && opt_.recurrent_dropout == 0.0) return {};
  return {{"dropout_generator", this->generator_state(generator_)}};
}

template <class T>
void SimpleRNNCell<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  this->restore_generators(state, {{"dropout_generator", const_cast<Generator*>(&generator_)}}, false);
}

template <class T>
void SimpleRNNCell<T>::set_extra_state(const std::map<std::string, Tensor<T>>& state) {
  this->restore_generators(state, {{"dropout_generator", &generator_}});
}

template class SimpleRNNCell<float>;
template class SimpleRNNCell<double>;

}  // namespace loom
