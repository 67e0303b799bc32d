#pragma once
// RNN: Keras's recurrent layer. It turns a cell (or a list of cells, stacked) into a layer over
// sequences (batch, timesteps, features): initial states, masking, go_backwards, stateful layers
// and per-call dropout masks follow docs/keras_contract.md §5. The loop over time is always an explicit
// C++ loop; `unroll` is accepted for Keras compatibility and changes nothing. A cell that runs a
// whole sequence itself (RNNCell::call_sequence: GRUCell, LSTMCell, user cells) is asked first
// (see docs/keras_compat.md, "RNN: fused path").
#include <atomic>
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "layers/rnn_cell.hpp"

namespace loom {

namespace config {
class Reader;
}

namespace detail {
// The scalar type of a layer class (GRUCell<double> -> double), for deduction guides.
template <class U>
U layer_scalar(const Layer<U>*);
template <class L>
using layer_scalar_t = decltype(layer_scalar(static_cast<std::remove_cvref_t<L>*>(nullptr)));
// A fresh layer of a class derived from Base, given as an rvalue, to be moved into a shared_ptr.
template <class L, class Base>
concept movable_layer_of = std::derived_from<std::remove_cvref_t<L>, Base> &&
                           std::move_constructible<std::remove_cvref_t<L>> && !std::is_lvalue_reference_v<L>;
}  // namespace detail

// Defaults are Keras's. time_major is tf.keras 2.x's option (Keras 3 removed it): inputs and
// sequence outputs are (timesteps, batch, features).
struct RNNOptions {
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;  // accepted; the loop is the same either way
  bool time_major = false;
  bool zero_output_for_mask = false;
  // loom only: false forces the step loop even where the cell's call_sequence (the fused GRU and
  // LSTM ops, a user cell's own) applies (the loop is the oracle the fused ops are tested against).
  bool use_fused = true;
  std::string name;  // "" -> "rnn" ("gru", "lstm", "simple_rnn" for those layers), "rnn_1", ...
};

template <class T>
struct RNNResult {
  // The last output (batch, units), or the sequence (batch, timesteps, units) with
  // return_sequences ((timesteps, batch, units) when time_major), in processing order.
  Tensor<T> output;
  // The final states in Keras's flattened order (stacked cells: cell 0's states first). Always
  // filled; return_state only records that a caller asked for them (Keras returns them then).
  std::vector<Tensor<T>> states;
};

template <class T = float>
class RNN : public Layer<T> {
 public:
  using CellPtr = std::shared_ptr<RNNCell<T>>;
  // A null cell or an empty list -> ValueError. A list of cells is wrapped in StackedRNNCells.
  explicit RNN(CellPtr cell, RNNOptions options = {});
  explicit RNN(std::vector<CellPtr> cells, RNNOptions options = {});
  static std::shared_ptr<RNN> from_config(const Config& config);
  // A cell by value, moved into a shared_ptr: RNN(GRUCell(4)). Only a fresh cell may be moved
  // (see Layer's move constructor).
  template <class C>
    requires detail::movable_layer_of<C, RNNCell<T>>
  explicit RNN(C&& cell, RNNOptions options = {})
      : RNN(CellPtr(std::make_shared<std::remove_cvref_t<C>>(std::move(cell))), std::move(options)) {}

  // The whole call: x (batch, timesteps, features); initial_state: {} (zeros, or the stored
  // states of a stateful layer) or one tensor (batch, state_size[i]) per state; mask: undefined
  // or (batch, timesteps), nonzero = use the step. Bad shapes or counts throw ShapeError /
  // ValueError naming the argument.
  RNNResult<T> call_full(const Tensor<T>& x, const std::vector<Tensor<T>>& initial_state = {},
                         const Tensor<T>& mask = {}, bool training = false);
  // Layer call: the output of call_full, with the mask from ctx (an upstream Masking or
  // Embedding(mask_zero)).
  Tensor<T> call(const Tensor<T>& x, const CallContext<T>& ctx) override;
  // The input mask when return_sequences, else undefined (Keras).
  Tensor<T> compute_mask(const Tensor<T>& x, const Tensor<T>& mask) const override;
  // input_shape is the layer input's shape; the cell is built with one step's (batch, features).
  void build(const Shape& input_shape) override;

  // Stateful layers: zeros (for the stored batch size; before the first call this only clears),
  // or the given values, one (batch, state_size[i]) tensor per state. Without stateful,
  // reset_states() does nothing and reset_states(values) throws ValueError.
  void reset_states();
  void reset_states(const std::vector<Tensor<T>>& states);
  // The stored states of a stateful layer ({} before its first call or after a reset without a
  // known batch size).
  const std::vector<Tensor<T>>& states() const { return stored_states_; }
  // A stateful layer's carried states, "states/0", "states/1", ... (none before its first call),
  // so that a resumed fit carries on from them as the uninterrupted one does.
  std::map<std::string, Tensor<T>> extra_state() const override;
  void check_extra_state(const std::map<std::string, Tensor<T>>& state) const override;
  void set_extra_state(const std::map<std::string, Tensor<T>>& state) override;

  const RNNOptions& options() const { return opt_; }
  const CellPtr& cell() const { return cell_; }
  // Bidirectional forces zero_output_for_mask = return_sequences on both of its layers.
  void set_zero_output_for_mask(bool on) { opt_.zero_output_for_mask = on; }
  // True when the last call ran the cell's call_sequence (a fused op) instead of the step loop.
  bool last_call_fused() const { return last_fused_.get(); }
  std::vector<const RNN<T>*> recurrent_layers() const override { return {this}; }

  Config get_config() const override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_rnn.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;

 protected:
  // The RNN's own fields of a config (return_sequences, ..., and loom's time_major/use_fused when
  // set), shared by the layers over one cell type (GRU, LSTM, SimpleRNN), whose configs are flat.
  void write_rnn_options(Config& c) const;
  static RNNOptions read_rnn_options(config::Reader& r, std::string name);

  // Rank other than 3 -> ShapeError naming the layer, the expected and the received rank.
  void check_input(const Tensor<T>& x) const override;

 private:
  RNNResult<T> run_loop(const Tensor<T>& x, std::vector<Tensor<T>> states, const Tensor<T>& mask,
                        bool training);
  bool try_fused(const Tensor<T>& x, const std::vector<Tensor<T>>& states, const Tensor<T>& mask,
                 bool training, RNNResult<T>& out);
  std::vector<Tensor<T>> initial_states(std::size_t batch, const std::vector<Tensor<T>>& given) const;

  CellPtr cell_;
  RNNOptions opt_;
  std::vector<Tensor<T>> stored_states_;
  // Atomic, since a built RNN may be called from several threads; copied and moved with the layer
  // (GRU(8) is passed by value before it is shared).
  struct Flag {
    std::atomic<bool> v{false};
    Flag() = default;
    Flag(const Flag& o) : v(o.get()) {}
    Flag& operator=(const Flag& o) {
      set(o.get());
      return *this;
    }
    bool get() const { return v.load(std::memory_order_relaxed); }
    void set(bool b) { v.store(b, std::memory_order_relaxed); }
  } last_fused_;
};

// The scalar type follows the cell, by value or shared_ptr: RNN(GRUCell<double>(4)) and
// RNN(std::make_shared<MyCell<double>>()) are RNN<double>s.
template <class C>
  requires std::derived_from<std::remove_cvref_t<C>, Layer<detail::layer_scalar_t<C>>>
RNN(C&&, RNNOptions = {}) -> RNN<detail::layer_scalar_t<C>>;
template <class C>
RNN(std::shared_ptr<C>, RNNOptions = {}) -> RNN<detail::layer_scalar_t<C>>;

extern template class RNN<float>;
extern template class RNN<double>;

}  // namespace loom
