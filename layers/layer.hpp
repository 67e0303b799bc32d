#pragma once
// Layer: the Keras-style base of every layer. A layer declares named weights with add_weight(),
// builds lazily from the shape of its first input, and reports regularization losses computed
// fresh from the current weights.
#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "autograd/variable.hpp"
#include "core/config_fwd.hpp"
#include "core/tensor.hpp"

namespace loom {

class Generator;    // core/random.hpp
class Initializer;  // layers/initializers.hpp
class Regularizer;  // layers/regularizers.hpp
class Constraint;   // layers/constraints.hpp
template <class T>
class RNN;          // layers/rnn.hpp
class OnnxLowering; // saving/onnx_lowering.hpp: the ONNX graph export_onnx builds
using InitializerPtr = std::shared_ptr<const Initializer>;
using RegularizerPtr = std::shared_ptr<const Regularizer>;
using ConstraintPtr = std::shared_ptr<const Constraint>;

// What a call receives besides the input: Keras's `training` and `mask` call arguments.
// An undefined mask means "no mask"; a mask is (batch, timesteps) with 1 for kept steps.
template <class T>
struct CallContext {
  bool training = false;
  Tensor<T> mask;
};

// Layer::clone's choice: a new layer with freshly initialised weights, or a copy of this one's.
enum class CloneWeights { fresh, copy };

template <class T = float>
class Layer {
 public:
  using value_type = T;
  using serial_base = Layer<T>;  // core/serialize.hpp
  explicit Layer(std::string name = "");
  virtual ~Layer();
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;
  // Moving lets a layer be made as a value and handed over, as in model.add(GRU(16)), which moves
  // it into a shared_ptr. Only a fresh layer may be moved: one that is built, or tracked by a
  // model or a wrapper, is referred to by pointer, so moving it is an error (not detected).
  Layer(Layer&&) = default;

  const std::string& name() const { return name_; }
  bool built() const { return built_; }

  // Builds from x's shape on first use (throwing ShapeError when a later input's last dimension
  // differs from the built one), then runs call().
  Tensor<T> operator()(const Tensor<T>& x, bool training = false);
  Tensor<T> operator()(const Tensor<T>& x, const CallContext<T>& ctx);
  // Keras's _maybe_build, for wrappers that step a layer through call() directly (the RNN and its
  // cells): builds from input_shape on first use, else throws ShapeError when the last dimension
  // differs from the built one.
  void maybe_build(const Shape& input_shape);

  // Creates the weights. The default records the input shape and marks the layer built; an
  // override creates its weights and then calls Layer<T>::build(input_shape), as Keras layers call
  // super().build(). maybe_build() marks the layer built either way.
  virtual void build(const Shape& input_shape);
  virtual Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) = 0;
  // The mask this layer hands downstream (Keras compute_mask). The default passes it through.
  virtual Tensor<T> compute_mask(const Tensor<T>& x, const Tensor<T>& mask) const;

  // Weights in creation order (Keras order), own weights first, then tracked sub-layers'.
  std::vector<Variable<T>> weights() const;
  std::vector<Variable<T>> trainable_weights() const;
  std::vector<Variable<T>> non_trainable_weights() const;
  std::size_t count_params() const;
  // Sum of every weight regularizer's penalty, plus sub-layers', computed from current values.
  std::vector<Tensor<T>> losses() const;

  std::vector<xt::xarray<T>> get_weights() const;
  // Throws ShapeError naming the weight on a wrong count or shape; nothing is changed then.
  void set_weights(const std::vector<xt::xarray<T>>& values);

  // Keras's get_config(): this layer's constructor arguments as JSON, with Keras's field names
  // ({"name", "trainable", "dtype"} here; each layer adds its own). A layer that overrides it also
  // provides `static std::shared_ptr<L> from_config(const Config&)` and is registered
  // (layers/registry.hpp), as in Keras.
  virtual Config get_config() const;
  // A new layer with this one's config: unbuilt with fresh weights, or built with copies of this
  // layer's weights (CloneWeights::copy on an unbuilt layer gives an unbuilt clone). The default
  // rebuilds through the registry, so a registered layer needs nothing more; an unregistered one
  // gets ValueError saying to register it (or override clone).
  virtual std::shared_ptr<Layer<T>> clone(CloneWeights weights = CloneWeights::fresh) const;
  // The layers this one is a container of, as a model is of its layers (Model::layers()); empty
  // for any other layer, also one that runs others inside it (an RNN's cell, Bidirectional's two
  // RNNs). Weight formats keyed per layer (PyTorch's) flatten models through it.
  virtual std::vector<std::shared_ptr<Layer<T>>> sublayers() const { return {}; }
  // Every layer whose weights are part of this one's (track_layer: a model's layers, an RNN's cell,
  // Bidirectional's two RNNs), in tracking order; weight paths (layers/weight_paths.hpp) walk it.
  const std::vector<std::shared_ptr<Layer<T>>>& tracked_layers() const { return children_; }
  bool trainable() const { return trainable_; }
  void set_trainable(bool on);
  // The input shape recorded by build() (empty before build).
  const Shape& build_input_shape() const { return input_shape_; }
  // Whether build() fixed the input's last dimension (fixed_input_features below): the ONNX export
  // makes an unfixed one (Embedding's timesteps) a dynamic axis.
  bool input_features_fixed() const { return fixed_input_features(); }

  // State that training changes but that is neither a weight nor an option: the position of a
  // layer's own dropout generator, a stateful RNN's carried states (PyTorch's get_extra_state).
  // Checkpoints and model files store it by the layer's path, so that a resumed fit is bit-exact
  // for layers that draw their own random numbers. The default has none.
  virtual std::map<std::string, Tensor<T>> extra_state() const { return {}; }
  // Throws ValueError naming the layer and the key for a state that extra_state() of this layer
  // could not have given (an unknown key, a value it cannot take); changes nothing. An empty map
  // (a file from before extra state) is always accepted. Loaders check every layer before any
  // layer takes its state, so an override pairs with set_extra_state.
  virtual void check_extra_state(const std::map<std::string, Tensor<T>>& state) const;
  // Takes a state that check_extra_state accepted; an empty map keeps the state as it is.
  virtual void set_extra_state(const std::map<std::string, Tensor<T>>& /*state*/) {}

  // The RNN layers that make up this layer's recurrence, for weight-layout mappings that read it
  // without knowing the layer's type (the PyTorch layout, layers/torch_layout.hpp; ONNX later):
  // an RNN gives itself, a Bidirectional its forward and backward layers, any other layer {}.
  virtual std::vector<const RNN<T>*> recurrent_layers() const { return {}; }

  // The layer as ONNX nodes, for export_onnx (saving/onnx_export.hpp): an override reads the value
  // it receives from `graph` (graph.input()), adds nodes and initializers, and hands on its result
  // (graph.set_output). The default throws NotImplementedError naming the layer, so that a layer
  // without a lowering is refused rather than exported wrongly. loom's own layers' lowerings are
  // defined in saving/onnx_lower_*.cpp, beside the graph type; a user layer includes
  // saving/onnx_lowering.hpp in its .cpp (docs/interop.md, "ONNX").
  virtual void onnx_lowering(OnnxLowering& graph) const;

 protected:
  // Keras's add_weight. The variable is named "<layer name>/<name>".
  Variable<T> add_weight(const std::string& name, const Shape& shape, InitializerPtr initializer,
                         RegularizerPtr regularizer = nullptr, ConstraintPtr constraint = nullptr,
                         bool trainable = true);
  // Makes a sub-layer's weights and losses part of this layer's.
  void track_layer(std::shared_ptr<Layer<T>> layer);
  // For weight accessors: `weight` once built, else ValueError naming the layer and the weight and
  // saying to build or call the layer first (every layer's accessors behave the same before build).
  const Variable<T>& built_weight(const Variable<T>& weight, const char* weight_name) const;
  // extra_state() helpers for layers that own generators: a generator's state as a tensor of its
  // state string's bytes, and set_extra_state's reading of such tensors, all checked first.
  // restore_generators checks every key and value first; with apply = false it only checks.
  static Tensor<T> generator_state(const Generator& g);
  void restore_generators(const std::map<std::string, Tensor<T>>& state,
                          std::initializer_list<std::pair<const char*, Generator*>> generators,
                          bool apply = true) const;
  // Called before build() on first use; layers override to validate the input rank.
  virtual void check_input(const Tensor<T>& x) const;
  // Whether the input's last dimension is fixed by build(). Layers whose weights do not depend on
  // it (Embedding takes ids, Dropout and Masking have no weights) return false.
  virtual bool fixed_input_features() const { return true; }

 private:
  struct WeightEntry {
    Variable<T> var;
    RegularizerPtr regularizer;
    bool trainable = true;  // as asked of add_weight; the layer's own flag is applied on top
  };
  std::string name_;
  bool built_ = false;
  bool trainable_ = true;
  Shape input_shape_;
  std::vector<WeightEntry> weights_;
  std::vector<std::shared_ptr<Layer<T>>> children_;
};

// A unique default name per layer type, as Keras makes them: "dense", "dense_1", ...
std::string unique_layer_name(const std::string& base);

extern template class Layer<float>;
extern template class Layer<double>;

}  // namespace loom
