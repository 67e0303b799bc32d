#include "layers/gru_cell.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "core/errors.hpp"
#include "layers/cell_config.hpp"

namespace loom {

namespace {

// The effective options: Keras's clipping and its implementation rules (docs/keras_contract.md §1.2).
GRUCellOptions normalized(GRUCellOptions o) {
  // NaN becomes 0, as Python's min(1, max(0, nan)) gives.
  o.dropout = clip_dropout_rate(std::isnan(o.dropout) ? 0.0 : o.dropout);
  o.recurrent_dropout = clip_dropout_rate(std::isnan(o.recurrent_dropout) ? 0.0 : o.recurrent_dropout);
  if (o.implementation != 0 && o.implementation != 1 && o.implementation != 2)
    throw ValueError("GRUCell: argument 'implementation' expected 1 or 2 (0 is accepted as "
                     "Keras's legacy value), received " + std::to_string(o.implementation));
  if (o.implementation == 0) o.implementation = 2;  // Keras's cell treats every value but 1 as 2
  if (o.recurrent_dropout != 0.0) o.implementation = 1;
  return o;
}

}  // namespace

template <class T>
GRUCell<T>::GRUCell(std::size_t units, GRUCellOptions options, Tag)
    : RNNCell<T>(options.name.empty() ? unique_layer_name("gru_cell") : options.name),
      units_(units),
      opts_(normalized(std::move(options))),
      generator_(make_dropout_generator(opts_.seed)) {}

template <class T>
void GRUCell<T>::check_input(const Tensor<T>& x) const {
  if (!x.defined())
    throw ValueError("GRUCell '" + this->name() + "': argument 'inputs' expected a defined tensor "
                     "of rank 2 (batch, features), received an undefined tensor");
  if (x.rank() != 2)
    throw ShapeError("GRUCell '" + this->name() + "': argument 'inputs' expected rank 2 (batch, "
                     "features) for one step, received rank " + std::to_string(x.rank()) +
                     " with shape " + x.shape().str());
}

template <class T>
void GRUCell<T>::build(const Shape& input_shape) {
  if (input_shape.rank() != 2)
    throw ShapeError("GRUCell '" + this->name() + "': argument 'input_shape' expected rank 2 "
                     "(batch, features), received " + input_shape.str());
  const std::size_t in = input_shape[1];
  if (this->built()) {
    if (in != kernel_.shape()[0])
      throw ShapeError("GRUCell '" + this->name() + "': argument 'input_shape' expected feature size " +
                       std::to_string(kernel_.shape()[0]) + " as built, received " + std::to_string(in));
    return;
  }
  const std::size_t U = units_;
  kernel_ = this->add_weight("kernel", Shape{in, 3 * U}, opts_.kernel_initializer.ptr,
                             opts_.kernel_regularizer.ptr, opts_.kernel_constraint.ptr);
  recurrent_kernel_ =
      this->add_weight("recurrent_kernel", Shape{U, 3 * U}, opts_.recurrent_initializer.ptr,
                       opts_.recurrent_regularizer.ptr, opts_.recurrent_constraint.ptr);
  if (opts_.use_bias) {
    // reset_after keeps a separate recurrent bias in row 1 (docs/keras_contract.md §1.3).
    const Shape bshape = opts_.reset_after ? Shape{2, 3 * U} : Shape{3 * U};
    bias_ = this->add_weight("bias", bshape, opts_.bias_initializer.ptr, opts_.bias_regularizer.ptr,
                             opts_.bias_constraint.ptr);
  }
  RNNCell<T>::build(input_shape);  // records the shape and marks the cell built
}

template <class T>
std::vector<Tensor<T>> GRUCell<T>::get_initial_state(std::size_t batch) const {
  return {Tensor<T>::zeros(Shape{batch, units_})};
}

template <class T>
void GRUCell<T>::check_state(const Tensor<T>& x, const std::vector<Tensor<T>>& states) const {
  if (states.size() != 1)
    throw ValueError("GRUCell '" + this->name() + "': argument 'states' expected 1 state tensor, "
                     "received " + std::to_string(states.size()));
  const Shape want{x.dim(0), units_};
  if (!states[0].defined() || states[0].shape() != want)
    throw ShapeError("GRUCell '" + this->name() + "': argument 'states[0]' expected shape " +
                     want.str() + " (batch, units), received " +
                     (states[0].defined() ? states[0].shape().str() : std::string("undefined")));
}

template <class T>
void GRUCell<T>::reset_dropout_masks() {
  input_cache_.reset();
  recurrent_cache_.reset();
  input_masks_.clear();
  recurrent_masks_.clear();
}

template <class T>
typename GRUCell<T>::DropoutMasks GRUCell<T>::get_dropout_masks(std::size_t batch, bool training) {
  if (!this->built())
    throw ValueError("GRUCell '" + this->name() + "': get_dropout_masks expected a built cell (the mask "
                     "shape needs the feature size), received an unbuilt one (call it or build() first)");
  const std::size_t in = kernel_.shape()[0];
  // Masks only when training and 0 < rate < 1 (so a clipped rate of 1 drops nothing, as in Keras).
  const bool drop_in = dropout_active(opts_.dropout, training);
  const bool drop_rec = dropout_active(opts_.recurrent_dropout, training);
  DropoutMasks m;
  if (drop_in) {
    input_masks_ = input_cache_.get(Shape{batch, in}, opts_.dropout, opts_.implementation == 1 ? 3 : 1,
                                    generator_);
    m.input = input_masks_;
  }
  if (drop_rec) {
    recurrent_masks_ = recurrent_cache_.get(Shape{batch, units_}, opts_.recurrent_dropout, 3, generator_);
    m.recurrent = recurrent_masks_;
  }
  return m;
}

template <class T>
CellOutput<T> GRUCell<T>::call(const Tensor<T>& x, const std::vector<Tensor<T>>& states,
                               bool training) {
  check_input(x);
  if (!this->built()) build(x.shape());
  if (x.dim(1) != kernel_.shape()[0])
    throw ShapeError("GRUCell '" + this->name() + "': argument 'inputs' expected feature size " +
                     std::to_string(kernel_.shape()[0]) + " (last dimension, as built), received " +
                     std::to_string(x.dim(1)) + " in shape " + x.shape().str());
  check_state(x, states);

  const Tensor<T>& h = states[0];
  const std::size_t U = units_;
  const int impl = opts_.implementation;
  const bool reset_after = opts_.reset_after, use_bias = opts_.use_bias;
  const Activation& act = *opts_.activation.ptr;
  const Activation& rec_act = *opts_.recurrent_activation.ptr;

  // Drawn at the first training step after reset_dropout_masks(), then reused (docs/keras_contract.md §2.1).
  const DropoutMasks masks = get_dropout_masks(x.dim(0), training);
  const bool drop_in = !masks.input.empty(), drop_rec = !masks.recurrent.empty();

  const Tensor<T>& K = kernel_.value();
  const Tensor<T>& R = recurrent_kernel_.value();
  Tensor<T> b_in, b_rec;  // b_rec only with reset_after
  if (use_bias) {
    if (reset_after) {
      b_in = take(bias_.value(), 0, 0);
      b_rec = take(bias_.value(), 0, 1);
    } else {
      b_in = bias_.value();
    }
  }
  auto cols = [&](const Tensor<T>& w, std::size_t g0, std::size_t g1) { return slice(w, 1, g0 * U, g1 * U); };
  auto seg = [&](const Tensor<T>& b, std::size_t g) { return slice(b, 0, g * U, (g + 1) * U); };

  Tensor<T> z, r, hh;
  if (impl == 1) {
    auto xin = [&](std::size_t g) { return drop_in ? mul(x, masks.input[g]) : x; };
    auto hin = [&](std::size_t g) { return drop_rec ? mul(h, masks.recurrent[g]) : h; };
    Tensor<T> x_z = matmul(xin(0), cols(K, 0, 1));
    Tensor<T> x_r = matmul(xin(1), cols(K, 1, 2));
    Tensor<T> x_h = matmul(xin(2), cols(K, 2, 3));
    if (use_bias) {
      x_z = add(x_z, seg(b_in, 0));
      x_r = add(x_r, seg(b_in, 1));
      x_h = add(x_h, seg(b_in, 2));
    }
    Tensor<T> rec_z = matmul(hin(0), cols(R, 0, 1));
    Tensor<T> rec_r = matmul(hin(1), cols(R, 1, 2));
    if (reset_after && use_bias) {
      rec_z = add(rec_z, seg(b_rec, 0));
      rec_r = add(rec_r, seg(b_rec, 1));
    }
    z = rec_act(add(x_z, rec_z));
    r = rec_act(add(x_r, rec_r));
    Tensor<T> rec_h;
    if (reset_after) {
      rec_h = matmul(hin(2), cols(R, 2, 3));
      if (use_bias) rec_h = add(rec_h, seg(b_rec, 2));
      rec_h = mul(r, rec_h);
    } else {
      rec_h = matmul(mul(r, hin(2)), cols(R, 2, 3));
    }
    hh = act(add(x_h, rec_h));
  } else {
    Tensor<T> xm = matmul(drop_in ? mul(x, masks.input[0]) : x, K);
    if (use_bias) xm = add(xm, b_in);
    auto xs = split(xm, 3, 1);
    if (reset_after) {
      Tensor<T> hm = matmul(h, R);
      if (use_bias) hm = add(hm, b_rec);
      auto hs = split(hm, 3, 1);
      z = rec_act(add(xs[0], hs[0]));
      r = rec_act(add(xs[1], hs[1]));
      hh = act(add(xs[2], mul(r, hs[2])));
    } else {
      auto hs = split(matmul(h, cols(R, 0, 2)), 2, 1);
      z = rec_act(add(xs[0], hs[0]));
      r = rec_act(add(xs[1], hs[1]));
      hh = act(add(xs[2], matmul(mul(r, h), cols(R, 2, 3))));
    }
  }
  // The blend uses the undropped state (Keras >= 3.8, docs/keras_contract.md §2.1).
  Tensor<T> out = add(mul(z, h), mul(T(1) - z, hh));
  return {out, {out}};
}

template <class T>
Config GRUCell<T>::get_config() const {
  Config c = RNNCell<T>::get_config();
  config::write_cell_options(c, units_, opts_);
  return c;
}

template <class T>
std::shared_ptr<GRUCell<T>> GRUCell<T>::from_config(const Config& c) {
  config::Reader r(c, "GRUCell");
  const auto base = config::read_layer_base<T>(r);
  GRUCellOptions o;
  o.name = base.name;
  const long long units = config::read_cell_options(r, o);
  r.finish();
  return config::finish_layer(std::make_shared<GRUCell<T>>(units, std::move(o)), base);
}

template <class T>
std::map<std::string, Tensor<T>> GRUCell<T>::extra_state() const {
  if (opts_.dropout == 0.0 && opts_.recurrent_dropout == 0.0) return {};
  return {{"dropout_generator", this->generator_state(generator_)}};
}

template <class T>
void GRUCell<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  this->restore_generators(state, {{"dropout_generator", const_cast<Generator*>(&generator_)}}, false);
}

template <class T>
void GRUCell<T>::set_extra_state(const std::map<std::string, Tensor<T>>& state) {
  this->restore_generators(state, {{"dropout_generator", &generator_}});
}

template class GRUCell<float>;
template class GRUCell<double>;

}  // namespace loom
