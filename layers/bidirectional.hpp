#pragma once
// Bidirectional: runs one RNN forward and another backward over the same sequence and merges
// them (docs/keras_contract.md §5.7). With return_sequences the backward outputs are flipped
// back, so position t of both halves refers to input step t.
#include <memory>
#include <string>
#include <vector>

#include "layers/rnn.hpp"

namespace loom {

template <class T>
struct BidirectionalResult {
  // The merged output; undefined with merge_mode "none".
  Tensor<T> output;
  // The two halves before merging (backward already flipped into input order with
  // return_sequences).
  Tensor<T> forward_output, backward_output;
  // Each layer's final states (Keras returns forward states, then backward states).
  std::vector<Tensor<T>> forward_states, backward_states;
};

template <class T = float>
struct BidirectionalOptions {
  // "concat" (last axis, forward first), "sum", "ave", "mul" or "none" (Keras's None: both
  // outputs, no merge); anything else -> ValueError listing the valid values.
  std::string merge_mode = "concat";
  // Its go_backwards must differ from the forward layer's, and stateful, return_sequences and
  // return_state must match, else ValueError. Null: a copy of the forward layer (below).
  std::shared_ptr<RNN<T>> backward_layer;
  std::string name;  // "" -> "bidirectional", "bidirectional_1", ...
};

template <class T = float>
class Bidirectional : public Layer<T> {
 public:
  // `layer` itself becomes the forward layer. Without options.backward_layer the backward layer
  // is built from the forward layer's config, as Keras builds it: go_backwards flipped, newly
  // initialised weights, and "backward_" before its name and its cells' names (so that no two
  // weights share a name). Both layers get zero_output_for_mask = return_sequences, as Keras forces.
  explicit Bidirectional(std::shared_ptr<RNN<T>> layer, BidirectionalOptions<T> options = {});
  // Keras's config: {"merge_mode", "layer": ..., "backward_layer": ..., ...}.
  static std::shared_ptr<Bidirectional> from_config(const Config& config);
  // The forward layer by value, moved into a shared_ptr: Bidirectional(LSTM(32)). Only a fresh
  // layer may be moved (see Layer's move constructor).
  template <class R>
    requires detail::movable_layer_of<R, RNN<T>>
  explicit Bidirectional(R&& layer, BidirectionalOptions<T> options = {})
      : Bidirectional(std::shared_ptr<RNN<T>>(std::make_shared<std::remove_cvref_t<R>>(std::move(layer))),
                      std::move(options)) {}

  // initial_state: {} or the forward layer's states followed by the backward layer's.
  BidirectionalResult<T> call_full(const Tensor<T>& x, const std::vector<Tensor<T>>& initial_state = {},
                                   const Tensor<T>& mask = {}, bool training = false);
  // The merged output; merge_mode "none" -> ValueError (use call_full for the two outputs).
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  // The input mask when return_sequences, else undefined.
  Tensor<T> compute_mask(const Tensor<T>& x, const Tensor<T>& mask) const override;
  void build(const Shape& input_shape) override;

  void reset_states();

  const std::shared_ptr<RNN<T>>& forward_layer() const { return forward_; }
  const std::shared_ptr<RNN<T>>& backward_layer() const { return backward_; }
  const std::string& merge_mode() const { return merge_mode_; }
  // {forward layer, backward layer}.
  std::vector<const RNN<T>*> recurrent_layers() const override { return {forward_.get(), backward_.get()}; }
  Config get_config() const override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_rnn.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;

 protected:
  void check_input(const Tensor<T>& x) const override;

 private:
  std::shared_ptr<RNN<T>> forward_, backward_;
  std::string merge_mode_;
};

// The scalar type follows the forward layer, by value or shared_ptr: Bidirectional(LSTM<double>(32))
// and Bidirectional(std::make_shared<GRU<double>>(8)) are Bidirectional<double>s.
template <class R>
  requires std::derived_from<std::remove_cvref_t<R>, Layer<detail::layer_scalar_t<R>>>
Bidirectional(R&&, BidirectionalOptions<detail::layer_scalar_t<R>> = {}) -> Bidirectional<detail::layer_scalar_t<R>>;
template <class R>
Bidirectional(std::shared_ptr<R>, BidirectionalOptions<detail::layer_scalar_t<R>> = {})
    -> Bidirectional<detail::layer_scalar_t<R>>;

extern template class Bidirectional<float>;
extern template class Bidirectional<double>;

}  // namespace loom
