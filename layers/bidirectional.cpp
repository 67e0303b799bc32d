#include "layers/bidirectional.hpp"

#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/shape_ops.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"

namespace loom {

namespace {

const char* const kMergeModes = "'concat', 'sum', 'ave', 'mul', 'none'";

bool valid_merge_mode(const std::string& m) {
  return m == "concat" || m == "sum" || m == "ave" || m == "mul" || m == "none";
}

std::string flag(bool b) { return b ? "true" : "false"; }

// "backward_" before the name of a serialized layer and of every layer inside it.
void prefix_names(Config& c) {
  if (c.is_array()) {
    for (auto& e : c) prefix_names(e);
    return;
  }
  if (!c.is_object()) return;
  if (c.contains("class_name") && c.contains("config") && c["config"].is_object() &&
      c["config"].contains("name") && c["config"]["name"].is_string())
    c["config"]["name"] = "backward_" + c["config"]["name"].template get<std::string>();
  for (auto& [k, v] : c.items()) prefix_names(v);
}

}  // namespace

template <class T>
Bidirectional<T>::Bidirectional(std::shared_ptr<RNN<T>> layer, BidirectionalOptions<T> options)
    : Layer<T>(options.name.empty() ? unique_layer_name("bidirectional") : options.name),
      forward_(std::move(layer)),
      merge_mode_(std::move(options.merge_mode)) {
  auto backward_layer = std::move(options.backward_layer);
  if (!forward_)
    throw ValueError("Bidirectional: layer expected an RNN layer, received a null pointer");
  if (!valid_merge_mode(merge_mode_))
    throw ValueError("Bidirectional: invalid merge_mode '" + merge_mode_ + "'; expected one of " +
                     kMergeModes);
  const RNNOptions& fo = forward_->options();
  if (backward_layer) {
    const RNNOptions& bo = backward_layer->options();
    if (bo.go_backwards == fo.go_backwards)
      throw ValueError("Bidirectional: backward_layer expected go_backwards=" + flag(!fo.go_backwards) +
                       " (the opposite of the forward layer's), received go_backwards=" +
                       flag(bo.go_backwards));
    auto same = [&](const char* what, bool f, bool b) {
      if (f != b)
        throw ValueError(std::string("Bidirectional: backward_layer expected ") + what + "=" + flag(f) +
                         " as the forward layer, received " + what + "=" + flag(b));
    };
    same("stateful", fo.stateful, bo.stateful);
    same("return_sequences", fo.return_sequences, bo.return_sequences);
    same("return_state", fo.return_state, bo.return_state);
    if (backward_layer == forward_)
      throw ValueError("Bidirectional: backward_layer expected a layer other than the forward layer");
    backward_ = std::move(backward_layer);
  } else {
    Config c;
    try {
      c = serialize<Layer<T>>(*forward_);
    } catch (const ValueError& e) {
      throw ValueError("Bidirectional: the backward copy of layer '" + forward_->name() +
                       "' is built from its config, so its classes expected registered; " + e.what() +
                       " (or pass backward_layer)");
    }
    prefix_names(c);
    c["config"]["go_backwards"] = !fo.go_backwards;
    backward_ = std::static_pointer_cast<RNN<T>>(loom::from_config<Layer<T>>(c));
  }
  forward_->set_zero_output_for_mask(fo.return_sequences);
  backward_->set_zero_output_for_mask(fo.return_sequences);
  this->track_layer(forward_);
  this->track_layer(backward_);
}

template <class T>
void Bidirectional<T>::check_input(const Tensor<T>& x) const {
  Layer<T>::check_input(x);
  if (x.rank() != 3)
    throw ShapeError("Bidirectional '" + this->name() + "': input expected rank 3, received rank " +
                     std::to_string(x.rank()) + " with shape " + x.shape().str());
}

template <class T>
void Bidirectional<T>::build(const Shape& input_shape) {
  forward_->maybe_build(input_shape);
  backward_->maybe_build(input_shape);
  Layer<T>::build(input_shape);
}

template <class T>
BidirectionalResult<T> Bidirectional<T>::call_full(const Tensor<T>& x,
                                                   const std::vector<Tensor<T>>& initial_state,
                                                   const Tensor<T>& mask, bool training) {
  check_input(x);
  this->maybe_build(x.shape());
  std::vector<Tensor<T>> fs, bs;
  if (!initial_state.empty()) {
    const std::size_t nf = forward_->cell()->state_size().size();
    const std::size_t nb = backward_->cell()->state_size().size();
    if (initial_state.size() != nf + nb)
      throw ValueError("Bidirectional '" + this->name() + "': initial_state expected " +
                       std::to_string(nf + nb) + " tensors (" + std::to_string(nf) + " forward, then " +
                       std::to_string(nb) + " backward), received " + std::to_string(initial_state.size()));
    fs.assign(initial_state.begin(), initial_state.begin() + nf);
    bs.assign(initial_state.begin() + nf, initial_state.end());
  }
  auto f = forward_->call_full(x, fs, mask, training);
  auto b = backward_->call_full(x, bs, mask, training);
  BidirectionalResult<T> r;
  r.forward_output = f.output;
  r.backward_output = b.output;
  if (forward_->options().return_sequences) {
    const long time_axis = forward_->options().time_major ? 0 : 1;
    r.backward_output = reverse(b.output, time_axis);
  }
  const auto& fo = r.forward_output;
  const auto& bo = r.backward_output;
  if (merge_mode_ == "concat") r.output = concat<T>({fo, bo}, -1);
  else if (merge_mode_ == "sum") r.output = fo + bo;
  else if (merge_mode_ == "ave") r.output = (fo + bo) * 0.5;
  else if (merge_mode_ == "mul") r.output = fo * bo;
  r.forward_states = std::move(f.states);
  r.backward_states = std::move(b.states);
  return r;
}

template <class T>
Tensor<T> Bidirectional<T>::call(const Tensor<T>& x, const CallContext<T>& ctx) {
  if (merge_mode_ == "none")
    throw ValueError("Bidirectional '" + this->name() + "': merge_mode 'none' gives two outputs, so a "
                     "plain layer call (one output) expected another merge_mode; use call_full()");
  return call_full(x, {}, ctx.mask, ctx.training).output;
}

template <class T>
Tensor<T> Bidirectional<T>::compute_mask(const Tensor<T>&, const Tensor<T>& mask) const {
  return forward_->options().return_sequences ? mask : Tensor<T>();
}

template <class T>
void Bidirectional<T>::reset_states() {
  forward_->reset_states();
  backward_->reset_states();
}

template <class T>
Config Bidirectional<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["merge_mode"] = merge_mode_ == "none" ? Config(nullptr) : Config(merge_mode_);
  c["layer"] = serialize<Layer<T>>(*forward_);
  c["backward_layer"] = serialize<Layer<T>>(*backward_);
  return c;
}

template <class T>
std::shared_ptr<Bidirectional<T>> Bidirectional<T>::from_config(const Config& c) {
  config::Reader r(c, "Bidirectional");
  const auto base = config::read_layer_base<T>(r);
  BidirectionalOptions<T> o;
  o.name = base.name;
  // Keras writes merge_mode None as null.
  if (r.has("merge_mode")) o.merge_mode = r.optional_string("merge_mode").value_or("none");
  auto rnn = [&](const Config& j, const char* key) {
    auto layer = loom::from_config<Layer<T>>(j);
    // recurrent_layers() is the hook by which a layer says it is an RNN (it lists itself).
    const auto rnns = layer->recurrent_layers();
    if (rnns.size() != 1 || static_cast<const Layer<T>*>(rnns[0]) != layer.get())
      throw ValueError(std::string("Bidirectional: config field '") + key + "' expected an RNN layer, received class '" +
                       config::open_envelope(j, "Bidirectional").class_name + "'");
    return std::static_pointer_cast<RNN<T>>(layer);
  };
  auto forward = rnn(r.require("layer"), "layer");
  if (const Config* b = r.raw("backward_layer"); b && !b->is_null()) o.backward_layer = rnn(*b, "backward_layer");
  r.finish();
  return config::finish_layer(std::make_shared<Bidirectional<T>>(std::move(forward), std::move(o)), base);
}

template class Bidirectional<float>;
template class Bidirectional<double>;

}  // namespace loom
