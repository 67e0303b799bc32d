#include "layers/rnn.hpp"

#include <optional>
#include <string_view>

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/linalg.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"
#include "layers/rnn_util.hpp"
#include "layers/stacked_rnn_cells.hpp"

namespace loom {


namespace {

std::string shape_or_undefined(const Tensor<float>& t) { return t.defined() ? t.shape().str() : "undefined"; }
std::string shape_or_undefined(const Tensor<double>& t) { return t.defined() ? t.shape().str() : "undefined"; }

std::string sizes_str(const std::vector<std::size_t>& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Masks are cleared when the call ends, also when a step throws (docs/keras_contract.md §2.1).
template <class T>
struct DropoutMaskScope {
  RNNCell<T>& cell;
  explicit DropoutMaskScope(RNNCell<T>& c) : cell(c) { cell.reset_dropout_masks(); }
  ~DropoutMaskScope() { cell.reset_dropout_masks(); }
};

}  // namespace

template <class T>
RNN<T>::RNN(CellPtr cell, RNNOptions options)
    : Layer<T>(options.name.empty() ? unique_layer_name("rnn") : options.name), cell_(std::move(cell)), opt_(options) {
  if (!cell_) throw ValueError("RNN '" + this->name() + "': cell expected an RNNCell, received a null pointer");
  this->track_layer(cell_);
}

template <class T>
RNN<T>::RNN(std::vector<CellPtr> cells, RNNOptions options)
    : RNN(cells.size() == 1 && cells[0] ? cells[0] : std::make_shared<StackedRNNCells<T>>(std::move(cells)),
          std::move(options)) {}

template <class T>
void RNN<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  if (x.rank() != 3)
    throw ShapeError("RNN '" + this->name() + "': input expected rank 3 (" +
                     (opt_.time_major ? "timesteps, batch, features" : "batch, timesteps, features") +
                     "), received rank " + std::to_string(x.rank()) + " with shape " + x.shape().str());
  const std::size_t steps = opt_.time_major ? x.dim(0) : x.dim(1);
  if (steps == 0)
    throw ShapeError("RNN '" + this->name() + "': input expected at least one timestep, received shape " +
                     x.shape().str());
}

template <class T>
void RNN<T>::build(const Shape& input_shape) {
  const std::size_t batch = opt_.time_major ? input_shape[1] : input_shape[0];
  cell_->maybe_build(Shape{batch, input_shape[2]});
  Layer<T>::build(input_shape);
}

template <class T>
std::vector<Tensor<T>> RNN<T>::initial_states(std::size_t batch, const std::vector<Tensor<T>>& given) const {
  const auto sizes = cell_->state_size();
  if (!given.empty()) {
    if (given.size() != sizes.size())
      throw ValueError("RNN '" + this->name() + "': initial_state expected " + std::to_string(sizes.size()) +
                       " tensor(s) (state sizes " + sizes_str(sizes) + "), received " +
                       std::to_string(given.size()));
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const Shape want{batch, sizes[i]};
      if (!given[i].defined() || given[i].shape() != want)
        throw ShapeError("RNN '" + this->name() + "': initial_state[" + std::to_string(i) +
                         "] expected shape " + want.str() + " (batch, state size), received " +
                         shape_or_undefined(given[i]));
    }
    return given;
  }
  if (opt_.stateful && !stored_states_.empty()) {
    if (stored_states_[0].dim(0) != batch)
      throw ValueError("RNN '" + this->name() + "': a stateful layer expected the batch size of its stored "
                       "states, " + std::to_string(stored_states_[0].dim(0)) + ", received batch size " +
                       std::to_string(batch) + " (call reset_states() to start over)");
    return stored_states_;
  }
  return cell_->get_initial_state(batch);
}

template <class T>
RNNResult<T> RNN<T>::call_full(const Tensor<T>& x_in, const std::vector<Tensor<T>>& initial_state,
                               const Tensor<T>& mask, bool training) {
  check_input(x_in);
  this->maybe_build(x_in.shape());
  // Batch-major inside: (B, T, F).
  const Tensor<T> x = opt_.time_major ? transpose(x_in, {1, 0, 2}) : x_in;
  const std::size_t batch = x.dim(0), steps = x.dim(1);
  if (mask.defined() && (mask.rank() != 2 || mask.dim(0) != batch || mask.dim(1) != steps))
    throw ShapeError("RNN '" + this->name() + "': mask expected shape " + Shape{batch, steps}.str() +
                     " (batch, timesteps), received " + mask.shape().str());
  auto states = initial_states(batch, initial_state);

  RNNResult<T> out;
  {
    // Masks exist only in training; an inference call leaves the cell untouched, so that several
    // threads may call a built RNN at once.
    std::optional<DropoutMaskScope<T>> masks;
    if (training) masks.emplace(*cell_);
    const bool fused = opt_.use_fused && try_fused(x, states, mask, training, out);
    if (!fused) out = run_loop(x, std::move(states), mask, training);
    last_fused_.set(fused);
  }
  if (opt_.time_major && opt_.return_sequences) out.output = transpose(out.output, {1, 0, 2});
  if (opt_.stateful) {
    // Stored by value: the next call starts from these numbers, not from this call's graph.
    stored_states_.clear();
    for (const auto& s : out.states) stored_states_.push_back(s.clone());
  }
  return out;
}

template <class T>
RNNResult<T> RNN<T>::run_loop(const Tensor<T>& x, std::vector<Tensor<T>> states, const Tensor<T>& mask,
                              bool training) {
  const std::size_t batch = x.dim(0), steps = x.dim(1);
  const bool masked = mask.defined();
  Tensor<T> y_prev = Tensor<T>::zeros(Shape{batch, cell_->output_size()});
  std::vector<Tensor<T>> ys;
  if (opt_.return_sequences) ys.reserve(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    const std::size_t t = opt_.go_backwards ? steps - 1 - i : i;
    CellOutput<T> co = cell_->call(take(x, 1, t), states, training);
    if (!masked) {
      states = std::move(co.states);
      y_prev = co.output;
    } else {
      // The mask column of this step; each step gets its own tensor, as `where` may keep it.
      std::size_t on = 0;
      auto m = Tensor<T>::empty(Shape{batch, 1});
      for (std::size_t b = 0; b < batch; ++b) {
        const bool keep = mask.data()[b * steps + t] != T(0);
        m.data()[b] = keep ? T(1) : T(0);
        on += keep;
      }
      if (on == batch) {
        states = std::move(co.states);
        y_prev = co.output;
      } else {
        const Tensor<T> fill =
            opt_.zero_output_for_mask ? Tensor<T>::zeros(Shape{batch, cell_->output_size()}) : y_prev;
        if (on == 0) {
          y_prev = fill;
        } else {
          for (std::size_t k = 0; k < states.size(); ++k) states[k] = where(m, co.states[k], states[k]);
          y_prev = where(m, co.output, fill);
        }
      }
    }
    if (opt_.return_sequences) ys.push_back(y_prev);
  }
  RNNResult<T> out;
  out.output = opt_.return_sequences ? stack(ys, 1) : y_prev;
  out.states = std::move(states);
  return out;
}

// The one place where a whole-sequence op replaces the step loop: the cell's own call_sequence
// hook (docs/extending.md, "A fused sequence op"; GRUCell and LSTMCell run their fused ops,
// docs/keras_compat.md, "RNN: fused path"). The RNN's DropoutMaskScope is already open, so a cell
// draws its masks for this call as its first step would.
template <class T>
bool RNN<T>::try_fused(const Tensor<T>& x, const std::vector<Tensor<T>>& states, const Tensor<T>& mask,
                       bool training, RNNResult<T>& out) {
  auto r = cell_->call_sequence({.x = x,
                                 .states = states,
                                 .mask = mask,
                                 .go_backwards = opt_.go_backwards,
                                 .zero_output_for_mask = opt_.zero_output_for_mask,
                                 .training = training});
  if (!r) return false;
  const Shape want{x.dim(0), x.dim(1), cell_->output_size()};
  if (!r->outputs.defined() || r->outputs.shape() != want)
    throw ShapeError("RNN '" + this->name() + "': cell '" + cell_->name() + "' call_sequence expected outputs of "
                     "shape " + want.str() + " (batch, timesteps, output_size), received " +
                     shape_or_undefined(r->outputs));
  if (r->states.size() != states.size())
    throw ValueError("RNN '" + this->name() + "': cell '" + cell_->name() + "' call_sequence expected " +
                     std::to_string(states.size()) + " final state(s), received " + std::to_string(r->states.size()));
  // The last emitted output is not always the final state: a masked last step emits zeros under
  // zero_output_for_mask, and a fully masked sample emits zeros while keeping its initial state.
  out.output = opt_.return_sequences ? r->outputs : take(r->outputs, 1, x.dim(1) - 1);
  out.states = std::move(r->states);
  return true;
}

template <class T>
Tensor<T> RNN<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  return call_full(x, {}, ctx.mask, ctx.training).output;
}

template <class T>
Tensor<T> RNN<T>::compute_mask(const Tensor<T>&, const Tensor<T>& mask) const {
  return opt_.return_sequences ? mask : Tensor<T>();
}

template <class T>
void RNN<T>::reset_states() {
  for (auto& s : stored_states_) s = Tensor<T>::zeros(s.shape());
}

template <class T>
void RNN<T>::reset_states(const std::vector<Tensor<T>>& values) {
  if (!opt_.stateful)
    throw ValueError("RNN '" + this->name() + "': reset_states(states) expected a stateful layer, "
                     "received one with stateful=false");
  if (values.empty() || !values[0].defined() || values[0].rank() != 2)
    throw ValueError("RNN '" + this->name() + "': reset_states expected one (batch, state size) tensor per "
                     "state, received " + (values.empty() ? std::string("none") : shape_or_undefined(values[0])));
  const auto checked = initial_states(values[0].dim(0), values);
  stored_states_.clear();
  for (const auto& s : checked) stored_states_.push_back(s.clone());
}

template <class T>
std::map<std::string, Tensor<T>> RNN<T>::extra_state() const {
  std::map<std::string, Tensor<T>> out;
  if (!opt_.stateful) return out;
  for (std::size_t i = 0; i < stored_states_.size(); ++i)
    if (stored_states_[i].defined()) out.emplace("states/" + std::to_string(i), stored_states_[i].clone());
  return out;
}

namespace {
template <class T>
std::vector<Tensor<T>> state_list(const std::map<std::string, Tensor<T>>& state, const std::string& name) {
  std::vector<Tensor<T>> values;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto it = state.find("states/" + std::to_string(i));
    if (it == state.end())
      throw ValueError("RNN '" + name + "': extra state expected keys states/0 to states/" +
                       std::to_string(state.size() - 1) + ", received '" + state.begin()->first + "' among them");
    values.push_back(it->second);
  }
  return values;
}
}  // namespace

template <class T>
void RNN<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  if (state.empty()) return;
  if (!opt_.stateful)
    throw ValueError("RNN '" + this->name() + "': extra state expected none (stateful=false), received key '" +
                     state.begin()->first + "'");
  const auto values = state_list(state, this->name());
  if (!values[0].defined() || values[0].rank() != 2)
    throw ValueError("RNN '" + this->name() + "': extra state 'states/0' expected a (batch, state size) tensor, "
                     "received " + shape_or_undefined(values[0]));
  initial_states(values[0].dim(0), values);  // the count and shapes against the cell
}

template <class T>
void RNN<T>::set_extra_state(const std::map<std::string, Tensor<T>>& state) {
  if (state.empty()) return;
  reset_states(state_list(state, this->name()));
}

template <class T>
void RNN<T>::write_rnn_options(Config& c) const {
  c["return_sequences"] = opt_.return_sequences;
  c["return_state"] = opt_.return_state;
  c["go_backwards"] = opt_.go_backwards;
  c["stateful"] = opt_.stateful;
  c["unroll"] = opt_.unroll;
  c["zero_output_for_mask"] = opt_.zero_output_for_mask;
  // tf.keras 2.x's time_major and loom's use_fused are written only when set, so that a config of
  // a model that does not use them reads in Keras 3, which knows neither.
  if (opt_.time_major) c["time_major"] = true;
  if (!opt_.use_fused) c["use_fused"] = false;
}

template <class T>
RNNOptions RNN<T>::read_rnn_options(config::Reader& r, std::string name) {
  RNNOptions o;
  o.name = std::move(name);
  config::read(r, "return_sequences", o.return_sequences);
  config::read(r, "return_state", o.return_state);
  config::read(r, "go_backwards", o.go_backwards);
  config::read(r, "stateful", o.stateful);
  config::read(r, "unroll", o.unroll);
  config::read(r, "zero_output_for_mask", o.zero_output_for_mask);
  config::read(r, "time_major", o.time_major);
  config::read(r, "use_fused", o.use_fused);
  return o;
}

template <class T>
Config RNN<T>::get_config() const {
  Config c = Layer<T>::get_config();
  write_rnn_options(c);
  c["cell"] = serialize<Layer<T>>(*cell_);
  return c;
}

template <class T>
std::shared_ptr<RNN<T>> RNN<T>::from_config(const Config& c) {
  config::Reader r(c, "RNN");
  const auto base = config::read_layer_base<T>(r);
  RNNOptions o = read_rnn_options(r, base.name);
  const Config& cell_config = r.require("cell");
  r.finish();
  auto layer = loom::from_config<Layer<T>>(cell_config);
  auto cell = std::dynamic_pointer_cast<RNNCell<T>>(layer);
  if (!cell)
    throw ValueError("RNN: config field 'cell' expected an RNN cell, received a layer of class '" +
                     config::open_envelope(cell_config, "RNN cell").class_name + "'");
  return config::finish_layer(std::make_shared<RNN<T>>(std::move(cell), std::move(o)), base);
}

template class RNN<float>;
template class RNN<double>;

}  // namespace loom
