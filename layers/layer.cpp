#include "layers/layer.hpp"

#include <cmath>

#include <algorithm>
#include <cstdlib>
#include <cxxabi.h>
#include <typeinfo>
#include <mutex>
#include <unordered_map>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "core/serialize.hpp"
#include "core/xarray_interop.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/registry.hpp"
#include "layers/regularizers.hpp"

namespace loom {

std::string unique_layer_name(const std::string& base) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::size_t> counts;
  std::lock_guard<std::mutex> lock(mu);
  const std::size_t n = counts[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

template <class T>
Layer<T>::Layer(std::string name) : name_(name.empty() ? unique_layer_name("layer") : std::move(name)) {}

template <class T>
Layer<T>::~Layer() = default;

template <class T>
void Layer<T>::build(const Shape& input_shape) {
  input_shape_ = input_shape;
  built_ = true;
}

template <class T>
void Layer<T>::check_input(const Tensor<T>& x) const {
  if (!x.defined())
    throw ValueError("Layer '" + name_ + "': input expected a defined tensor, received an undefined one");
}

template <class T>
void Layer<T>::maybe_build(const Shape& input_shape) {
  if (!built_) {
    build(input_shape);
    input_shape_ = input_shape;
    built_ = true;
    return;
  }
  // Weights were sized from the built feature size; another one would multiply garbage.
  if (fixed_input_features() && input_shape_.rank() > 0 && input_shape.rank() > 0 &&
      input_shape.dim(-1) != input_shape_.dim(-1))
    throw ShapeError("Layer '" + name_ + "': input feature size (last dimension) expected " +
                     std::to_string(input_shape_.dim(-1)) + " as at build time (input shape " +
                     input_shape_.str() + "), received " + std::to_string(input_shape.dim(-1)) +
                     " (input shape " + input_shape.str() + ")");
}

template <class T>
Tensor<T> Layer<T>::operator()(const Tensor<T>& x, bool training) {
  CallContext<T> ctx;
  ctx.training = training;
  return (*this)(x, ctx);
}

template <class T>
Tensor<T> Layer<T>::operator()(const Tensor<T>& x, const CallContext<T>& ctx) {
  check_input(x);
  maybe_build(x.shape());
  return call(x, ctx);
}

template <class T>
Tensor<T> Layer<T>::compute_mask(const Tensor<T>&, const Tensor<T>& mask) const {
  return mask;
}

template <class T>
std::vector<Variable<T>> Layer<T>::weights() const {
  std::vector<Variable<T>> out;
  for (const auto& e : weights_) out.push_back(e.var);
  for (const auto& c : children_) {
    auto w = c->weights();
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}

template <class T>
std::vector<Variable<T>> Layer<T>::trainable_weights() const {
  std::vector<Variable<T>> out;
  if (!trainable_) return out;
  for (const auto& e : weights_)
    if (e.trainable) out.push_back(e.var);
  for (const auto& c : children_) {
    auto w = c->trainable_weights();
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}

template <class T>
std::vector<Variable<T>> Layer<T>::non_trainable_weights() const {
  std::vector<Variable<T>> out;
  for (const auto& e : weights_)
    if (!trainable_ || !e.trainable) out.push_back(e.var);
  for (const auto& c : children_) {
    auto w = trainable_ ? c->non_trainable_weights() : c->weights();
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}

template <class T>
std::size_t Layer<T>::count_params() const {
  std::size_t n = 0;
  for (const auto& w : weights()) n += w.value().size();
  return n;
}

template <class T>
std::vector<Tensor<T>> Layer<T>::losses() const {
  std::vector<Tensor<T>> out;
  for (const auto& e : weights_)
    if (e.regularizer) out.push_back((*e.regularizer)(e.var.value()));
  for (const auto& c : children_) {
    auto l = c->losses();
    out.insert(out.end(), l.begin(), l.end());
  }
  return out;
}

template <class T>
std::vector<xt::xarray<T>> Layer<T>::get_weights() const {
  std::vector<xt::xarray<T>> out;
  for (const auto& w : weights()) out.push_back(to_xarray(w.value()));
  return out;
}

template <class T>
void Layer<T>::set_weights(const std::vector<xt::xarray<T>>& values) {
  const auto ws = weights();
  if (values.size() != ws.size()) {
    std::string names;
    for (const auto& w : ws) names += (names.empty() ? "" : ", ") + w.name();
    throw ShapeError("Layer '" + name_ + "' set_weights: expected " + std::to_string(ws.size()) +
                     " weights (" + (ws.empty() ? std::string("the layer is not built yet; call it on an input first")
                                                : names) +
                     "), received " + std::to_string(values.size()));
  }
  // Every shape is checked before anything is written, so a bad list changes nothing.
  for (std::size_t i = 0; i < ws.size(); ++i) {
    const Shape got(values[i].shape().begin(), values[i].shape().end());
    if (got != ws[i].shape())
      throw ShapeError("Layer '" + name_ + "' set_weights: weight " + std::to_string(i) + " '" +
                       ws[i].name() + "' expected shape " + ws[i].shape().str() + ", received " +
                       got.str());
  }
  for (std::size_t i = 0; i < ws.size(); ++i) {
    Variable<T> v = ws[i];
    v.assign(from_xarray(values[i]));
  }
}

template <class T>
Config Layer<T>::get_config() const {
  return {{"name", name_}, {"trainable", trainable_}, {"dtype", sizeof(T) == 4 ? "float32" : "float64"}};
}

template <class T>
void Layer<T>::onnx_lowering(OnnxLowering&) const {
  // The C++ class, demangled, since a user layer need not be registered to be refused by name.
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
  const std::string cls = status == 0 && demangled ? demangled : typeid(*this).name();
  std::free(demangled);
  throw NotImplementedError("export_onnx: layer '" + name_ + "' (" + cls + ") has no ONNX lowering; "
                            "override Layer::onnx_lowering (saving/onnx_lowering.hpp) to export it");
}

template <class T>
std::shared_ptr<Layer<T>> Layer<T>::clone(CloneWeights weights) const {
  auto copy = from_config<Layer<T>>(serialize<Layer<T>>(*this));
  if (weights == CloneWeights::copy && built_) {
    copy->maybe_build(input_shape_);
    copy->set_weights(get_weights());
  }
  return copy;
}

template <class T>
void Layer<T>::check_extra_state(const std::map<std::string, Tensor<T>>& state) const {
  if (!state.empty())
    throw ValueError("Layer '" + name_ + "': extra state expected none, received key '" + state.begin()->first + "'");
}

template <class T>
Tensor<T> Layer<T>::generator_state(const Generator& g) {
  const std::string s = g.state();
  auto t = Tensor<T>::empty(Shape{s.size()});
  for (std::size_t i = 0; i < s.size(); ++i) t.data()[i] = static_cast<T>(static_cast<unsigned char>(s[i]));
  return t;
}

template <class T>
void Layer<T>::restore_generators(const std::map<std::string, Tensor<T>>& state,
                                  std::initializer_list<std::pair<const char*, Generator*>> generators,
                                  bool apply) const {
  std::vector<std::pair<Generator*, Generator>> parsed;
  for (const auto& [key, t] : state) {
    Generator* target = nullptr;
    for (const auto& [k, g] : generators)
      if (key == k) target = g;
    if (!target)
      throw ValueError("Layer '" + name_ + "': extra state key expected to be one of the layer's generators, "
                       "received '" + key + "'");
    std::string s;
    for (std::size_t i = 0; t.defined() && i < t.size(); ++i) {
      const T v = t.data()[i];
      if (!(v >= 0 && v < 256) || v != std::floor(v))
        throw ValueError("Layer '" + name_ + "': extra state '" + key + "' expected bytes (whole numbers in "
                         "[0, 255]), received " + std::to_string(static_cast<double>(v)));
      s += static_cast<char>(static_cast<unsigned char>(v));
    }
    Generator g(0);
    try {
      g.set_state(s);
    } catch (const ValueError& e) {
      throw ValueError("Layer '" + name_ + "': extra state '" + key + "' expected a generator state, received: " +
                       e.what());
    }
    parsed.emplace_back(target, g);
  }
  if (apply)
    for (auto& [target, g] : parsed) *target = g;
}

template <class T>
const Variable<T>& Layer<T>::built_weight(const Variable<T>& weight, const char* weight_name) const {
  if (!built_)
    throw ValueError("Layer '" + name_ + "': weight '" + weight_name + "' expected a built layer, received an "
                     "unbuilt one (call the layer on an input or build() it first)");
  return weight;
}

template <class T>
void Layer<T>::set_trainable(bool on) {
  trainable_ = on;
  // A frozen layer's variables must not be watched by tapes either.
  for (auto& e : weights_) e.var.set_trainable(on && e.trainable);
  for (auto& c : children_) c->set_trainable(on);
}

template <class T>
Variable<T> Layer<T>::add_weight(const std::string& name, const Shape& shape, InitializerPtr initializer,
                                 RegularizerPtr regularizer, ConstraintPtr constraint, bool trainable) {
  if (!initializer)
    throw ValueError("Layer '" + name_ + "' add_weight('" + name +
                     "'): initializer expected an Initializer, received a null pointer");
  for (const auto& e : weights_)
    if (e.var.name() == name_ + "/" + name)
      throw ValueError("Layer '" + name_ + "' add_weight: weight name expected unique in the layer, "
                       "received '" + name + "' a second time");
  Tensor<T> value;
  try {
    value = initializer->make<T>(shape);
  } catch (const RuntimeError& e) {  // out of memory: say which layer and weight asked for it
    throw RuntimeError("Layer '" + name_ + "' add_weight('" + name + "'): shape " + shape.str() +
                       " expected to be allocated, received: " + e.what());
  } catch (const std::bad_alloc&) {  // from an initializer's own working arrays
    throw RuntimeError("Layer '" + name_ + "' add_weight('" + name + "'): shape " + shape.str() +
                       " expected to be allocated, received an out-of-memory failure");
  } catch (const ShapeError& e) {
    throw ShapeError("Layer '" + name_ + "' add_weight('" + name + "'): " + e.what());
  }
  Variable<T> v(std::move(value), name_ + "/" + name, trainable && trainable_);
  // Optimizers apply a variable's constraint after each update (docs/keras_contract.md §3.2), not at creation.
  if (constraint) v.set_constraint(as_variable_constraint<T>(std::move(constraint)));
  weights_.push_back({v, std::move(regularizer), trainable});
  return v;
}

template <class T>
void Layer<T>::track_layer(std::shared_ptr<Layer<T>> layer) {
  if (!layer)
    throw ValueError("Layer '" + name_ + "' track_layer: expected a layer, received a null pointer");
  if (layer.get() == this)
    throw ValueError("Layer '" + name_ + "' track_layer: a layer cannot track itself");
  if (std::find(children_.begin(), children_.end(), layer) == children_.end())
    children_.push_back(std::move(layer));
}

template class Layer<float>;
template class Layer<double>;

}  // namespace loom
