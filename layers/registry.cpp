#include "layers/registry.hpp"

#include "layers/bidirectional.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/embedding.hpp"
#include "layers/gru.hpp"
#include "layers/lstm.hpp"
#include "layers/masking.hpp"
#include "layers/rnn.hpp"
#include "layers/simple_rnn.hpp"
#include "layers/stacked_rnn_cells.hpp"

namespace loom {

namespace {

// Filled on first use rather than by static registrars, which the linker drops from a static
// library when nothing else in their object file is referenced.
template <class T>
Registry<Layer<T>>* make_layer_registry() {
  auto* r = new Registry<Layer<T>>("layer", "keras.layers");
  auto add = [r]<class L>(const char* name, L*) {
    r->add(name, std::type_index(typeid(L)), [](const Config& c) -> std::shared_ptr<Layer<T>> { return L::from_config(c); },
           true);
  };
  add("Dense", static_cast<Dense<T>*>(nullptr));
  add("Embedding", static_cast<Embedding<T>*>(nullptr));
  add("Dropout", static_cast<Dropout<T>*>(nullptr));
  add("Masking", static_cast<Masking<T>*>(nullptr));
  add("GRUCell", static_cast<GRUCell<T>*>(nullptr));
  add("LSTMCell", static_cast<LSTMCell<T>*>(nullptr));
  add("SimpleRNNCell", static_cast<SimpleRNNCell<T>*>(nullptr));
  add("StackedRNNCells", static_cast<StackedRNNCells<T>*>(nullptr));
  add("RNN", static_cast<RNN<T>*>(nullptr));
  add("GRU", static_cast<GRU<T>*>(nullptr));
  add("LSTM", static_cast<LSTM<T>*>(nullptr));
  add("SimpleRNN", static_cast<SimpleRNN<T>*>(nullptr));
  add("Bidirectional", static_cast<Bidirectional<T>*>(nullptr));
  return r;
}

}  // namespace

// Never destroyed: layers may be serialized from static destructors of a user's program.
template <>
Registry<Layer<float>>& registry<Layer<float>>() {
  static Registry<Layer<float>>& r = *make_layer_registry<float>();
  return r;
}
template <>
Registry<Layer<double>>& registry<Layer<double>>() {
  static Registry<Layer<double>>& r = *make_layer_registry<double>();
  return r;
}

}  // namespace loom
