#include "layers/lstm_cell.hpp"

#include <algorithm>

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "layers/cell_config.hpp"
#include "layers/rnn_util.hpp"

namespace loom {


namespace {

// Keras's unit_forget_bias initializer: [init(U), ones(U), init(2U)].
struct UnitForgetBias : Initializer {
  explicit UnitForgetBias(InitializerPtr base) : base(std::move(base)) { seed = this->base->seed; }
  void fill(double* out, const Shape& shape, Generator& g) const override {
    const std::size_t u = shape.numel() / 4;
    base->fill(out, Shape{u}, g);
    std::fill(out + u, out + 2 * u, 1.0);
    base->fill(out + 2 * u, Shape{2 * u}, g);
  }
  std::string name() const override { return base->name(); }
  std::string repr() const override { return base->repr(); }
  InitializerPtr base;
};

}  // namespace

template <class T>
LSTMCell<T>::LSTMCell(std::size_t units, LSTMCellOptions options, int)
    : RNNCell<T>(options.name.empty() ? unique_layer_name("lstm_cell") : options.name),
      units_(units),
      opt_(std::move(options)),
      generator_(make_dropout_generator(opt_.seed)) {
  opt_.dropout = clip_dropout_rate(opt_.dropout);
  opt_.recurrent_dropout = clip_dropout_rate(opt_.recurrent_dropout);
  // A value other than 0, 1 or 2 is a typo, not a mode (GRUCell rules the same way).
  if (opt_.implementation < 0 || opt_.implementation > 2)
    throw ValueError("LSTMCell: argument 'implementation' expected 0, 1 or 2, received " +
                     std::to_string(opt_.implementation));
  if (opt_.implementation != 1) opt_.implementation = 2;
  if (opt_.recurrent_dropout != 0.0) opt_.implementation = 1;
}

template <class T>
void LSTMCell<T>::build(const Shape& input_shape) {
  const std::size_t in = input_shape.dim(-1), u4 = 4 * units_;
  kernel_ = this->add_weight("kernel", {in, u4}, opt_.kernel_initializer.ptr, opt_.kernel_regularizer.ptr,
                             opt_.kernel_constraint.ptr);
  recurrent_kernel_ = this->add_weight("recurrent_kernel", {units_, u4}, opt_.recurrent_initializer.ptr,
                                       opt_.recurrent_regularizer.ptr, opt_.recurrent_constraint.ptr);
  if (opt_.use_bias) {
    InitializerPtr init = opt_.bias_initializer.ptr;
    if (opt_.unit_forget_bias) init = std::make_shared<UnitForgetBias>(init);
    bias_ = this->add_weight("bias", {u4}, init, opt_.bias_regularizer.ptr, opt_.bias_constraint.ptr);
  }
  RNNCell<T>::build(input_shape);  // records the shape and marks the cell built
}

template <class T>
typename LSTMCell<T>::DropoutMasks LSTMCell<T>::get_dropout_masks(std::size_t batch, bool training) {
  if (!this->built())
    throw ValueError("LSTMCell '" + this->name() + "': get_dropout_masks expected a built cell (the mask "
                     "shape needs the feature size), received an unbuilt one (call it or build() first)");
  DropoutMasks m;
  if (dropout_active(opt_.dropout, training))
    m.input = input_masks_.get(Shape{batch, kernel_.shape()[0]}, opt_.dropout,
                               opt_.implementation == 1 ? 4 : 1, generator_);
  if (dropout_active(opt_.recurrent_dropout, training))
    m.recurrent = recurrent_masks_.get(Shape{batch, units_}, opt_.recurrent_dropout, 4, generator_);
  return m;
}

template <class T>
CellOutput<T> LSTMCell<T>::call(const Tensor<T>& x, const std::vector<Tensor<T>>& states, bool training) {
  this->maybe_build(x.shape());
  rnn_detail::check_step("LSTMCell", x, kernel_.shape()[0], states, state_size());
  const Tensor<T>& h = states[0];
  const Tensor<T>& c_prev = states[1];
  const auto& act = *opt_.activation.ptr;
  const auto& rec_act = *opt_.recurrent_activation.ptr;
  const DropoutMasks masks = get_dropout_masks(x.dim(0), training);
  Tensor<T> i, f, g, o;
  if (opt_.implementation == 1) {
    const auto ks = split(kernel_.value(), 4, 1);
    const auto rs = split(recurrent_kernel_.value(), 4, 1);
    std::vector<Tensor<T>> bs;
    if (opt_.use_bias) bs = split(bias_.value(), 4, 0);
    Tensor<T> pre[4];
    for (std::size_t k = 0; k < 4; ++k) {
      Tensor<T> xk = masks.input.empty() ? x : x * masks.input[k];
      Tensor<T> hk = masks.recurrent.empty() ? h : h * masks.recurrent[k];
      pre[k] = matmul(xk, ks[k]);
      if (opt_.use_bias) pre[k] = pre[k] + bs[k];
      pre[k] = pre[k] + matmul(hk, rs[k]);
    }
    i = rec_act(pre[0]);
    f = rec_act(pre[1]);
    g = act(pre[2]);
    o = rec_act(pre[3]);
  } else {
    const Tensor<T> in = masks.input.empty() ? x : x * masks.input[0];
    Tensor<T> z = matmul(in, kernel_.value()) + matmul(h, recurrent_kernel_.value());
    if (opt_.use_bias) z = z + bias_.value();
    const auto zs = split(z, 4, 1);
    i = rec_act(zs[0]);
    f = rec_act(zs[1]);
    g = act(zs[2]);
    o = rec_act(zs[3]);
  }
  Tensor<T> c = f * c_prev + i * g;
  Tensor<T> h_new = o * act(c);
  return {h_new, {h_new, c}};
}

template <class T>
void LSTMCell<T>::reset_dropout_masks() {
  input_masks_.reset();
  recurrent_masks_.reset();
}

template <class T>
Config LSTMCell<T>::get_config() const {
  Config c = Layer<T>::get_config();
  config::write_cell_options(c, units_, opt_);
  return c;
}

template <class T>
std::shared_ptr<LSTMCell<T>> LSTMCell<T>::from_config(const Config& c) {
  config::Reader r(c, "LSTMCell");
  const auto base = config::read_layer_base<T>(r);
  LSTMCellOptions o;
  o.name = base.name;
  const long long units = config::read_cell_options(r, o);
  r.finish();
  return config::finish_layer(std::make_shared<LSTMCell<T>>(units, std::move(o)), base);
}

template <class T>
std::map<std::string, Tensor<T>> LSTMCell<T>::extra_state() const {
  if (opt_.dropout == 0.0 && opt_.recurrent_dropout == 0.0) return {};
  return {{"dropout_generator", this->generator_state(generator_)}};
}

template <class T>
void LSTMCell<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  this->restore_generators(state, {{"dropout_generator", const_cast<Generator*>(&generator_)}}, false);
}

template <class T>
void LSTMCell<T>::set_extra_state(const std::map<std::string, Tensor<T>>& state) {
  this->restore_generators(state, {{"dropout_generator", &generator_}});
}

template class LSTMCell<float>;
template class LSTMCell<double>;

}  // namespace loom
