#include "layers/torch_layout.hpp"

#include <array>

#include "core/errors.hpp"
#include "layers/rnn.hpp"

namespace loom {

namespace {

// How one cell kind lays out its G gate blocks: torch's block t holds Keras's block perm[t].
struct GateLayout {
  const char* to_fn;    // the public functions' names, for messages
  const char* from_fn;
  std::size_t gates;
  std::array<std::size_t, 4> perm;
};
constexpr GateLayout kGru{"gru_to_torch", "gru_from_torch", 3, {1, 0, 2, 0}};  // z,r,h -> r,z,n
constexpr GateLayout kLstm{"lstm_to_torch", "lstm_from_torch", 4, {0, 1, 2, 3}};
constexpr GateLayout kSimple{"simple_rnn_to_torch", "simple_rnn_from_torch", 1, {0, 0, 0, 0}};

std::string shape_str(std::initializer_list<std::size_t> dims) { return Shape(dims).str(); }

template <class T>
void expect_shape(const char* fn, const char* arg, const Tensor<T>& t, const Shape& want) {
  if (!t.defined())
    throw ValueError(std::string(fn) + ": '" + arg + "' expected shape " + want.str() + ", received an undefined tensor");
  if (t.shape() != want)
    throw ShapeError(std::string(fn) + ": '" + arg + "' expected shape " + want.str() + ", received " + t.shape().str());
}

// Keras (I, G·U) -> torch (G·U, I), gate blocks permuted.
template <class T>
Tensor<T> kernel_to_torch(const Tensor<T>& k, const GateLayout& g, std::size_t units) {
  const std::size_t in = k.dim(0), cols = k.dim(1);
  Tensor<T> w = Tensor<T>::empty(Shape{cols, in});
  const T* src = k.data();
  T* dst = w.data();
  for (std::size_t tb = 0; tb < g.gates; ++tb)
    for (std::size_t u = 0; u < units; ++u) {
      const std::size_t kc = g.perm[tb] * units + u;
      T* row = dst + (tb * units + u) * in;
      for (std::size_t i = 0; i < in; ++i) row[i] = src[i * cols + kc];
    }
  return w;
}

template <class T>
Tensor<T> kernel_from_torch(const Tensor<T>& w, const GateLayout& g, std::size_t units) {
  const std::size_t rows = w.dim(0), in = w.dim(1);
  Tensor<T> k = Tensor<T>::empty(Shape{in, rows});
  const T* src = w.data();
  T* dst = k.data();
  for (std::size_t tb = 0; tb < g.gates; ++tb)
    for (std::size_t u = 0; u < units; ++u) {
      const std::size_t kc = g.perm[tb] * units + u;
      const T* row = src + (tb * units + u) * in;
      for (std::size_t i = 0; i < in; ++i) dst[i * rows + kc] = row[i];
    }
  return k;
}

// A Keras gate vector (G·U values at `src`) in torch's gate order, or back.
template <class T>
Tensor<T> vector_to_torch(const T* src, const GateLayout& g, std::size_t units) {
  Tensor<T> out = Tensor<T>::empty(Shape{g.gates * units});
  for (std::size_t tb = 0; tb < g.gates; ++tb)
    for (std::size_t u = 0; u < units; ++u) out.data()[tb * units + u] = src[g.perm[tb] * units + u];
  return out;
}

template <class T>
void vector_from_torch(const Tensor<T>& v, const GateLayout& g, std::size_t units, T* dst) {
  for (std::size_t tb = 0; tb < g.gates; ++tb)
    for (std::size_t u = 0; u < units; ++u) dst[g.perm[tb] * units + u] = v.data()[tb * units + u];
}

// Checks the kernels and returns units.
template <class T>
std::size_t check_keras_kernels(const KerasCellWeights<T>& w, const GateLayout& g) {
  if (!w.kernel.defined() || w.kernel.rank() != 2 || w.kernel.dim(1) == 0 || w.kernel.dim(1) % g.gates != 0)
    throw ShapeError(std::string(g.to_fn) + ": 'kernel' expected shape (input_dim, " +
                     (g.gates == 1 ? std::string("units") : std::to_string(g.gates) + "*units") + "), received " +
                     (w.kernel.defined() ? w.kernel.shape().str() : std::string("an undefined tensor")));
  const std::size_t units = w.kernel.dim(1) / g.gates;
  expect_shape(g.to_fn, "recurrent_kernel", w.recurrent_kernel, Shape{units, g.gates * units});
  return units;
}

template <class T>
std::size_t check_torch_weights(const TorchCellWeights<T>& w, const GateLayout& g) {
  if (!w.weight_ih.defined() || w.weight_ih.rank() != 2 || w.weight_ih.dim(0) == 0 ||
      w.weight_ih.dim(0) % g.gates != 0)
    throw ShapeError(std::string(g.from_fn) + ": 'weight_ih' expected shape (" +
                     (g.gates == 1 ? std::string("hidden_size") : std::to_string(g.gates) + "*hidden_size") +
                     ", input_size), received " +
                     (w.weight_ih.defined() ? w.weight_ih.shape().str() : std::string("an undefined tensor")));
  const std::size_t units = w.weight_ih.dim(0) / g.gates;
  expect_shape(g.from_fn, "weight_hh", w.weight_hh, Shape{g.gates * units, units});
  if (w.bias_ih.defined() != w.bias_hh.defined())
    throw ValueError(std::string(g.from_fn) + ": 'bias_ih' and 'bias_hh' expected both or neither (torch's bias "
                     "flag), received only '" + (w.bias_ih.defined() ? "bias_ih" : "bias_hh") + "'");
  if (w.bias_ih.defined()) {
    expect_shape(g.from_fn, "bias_ih", w.bias_ih, Shape{g.gates * units});
    expect_shape(g.from_fn, "bias_hh", w.bias_hh, Shape{g.gates * units});
  }
  return units;
}

// LSTM and SimpleRNN: one Keras bias, which torch splits into bias_ih (the bias) and bias_hh (0).
template <class T>
TorchCellWeights<T> single_bias_to_torch(const KerasCellWeights<T>& w, const GateLayout& g) {
  const std::size_t units = check_keras_kernels(w, g);
  TorchCellWeights<T> out{kernel_to_torch(w.kernel, g, units), kernel_to_torch(w.recurrent_kernel, g, units), {}, {}};
  if (w.bias.defined()) {
    expect_shape(g.to_fn, "bias", w.bias, Shape{g.gates * units});
    out.bias_ih = vector_to_torch(w.bias.data(), g, units);
    out.bias_hh = Tensor<T>::zeros(Shape{g.gates * units});
  }
  return out;
}

template <class T>
KerasCellWeights<T> single_bias_from_torch(const TorchCellWeights<T>& w, const GateLayout& g) {
  const std::size_t units = check_torch_weights(w, g);
  KerasCellWeights<T> out{kernel_from_torch(w.weight_ih, g, units), kernel_from_torch(w.weight_hh, g, units), {}};
  if (w.bias_ih.defined()) {
    Tensor<T> sum = Tensor<T>::empty(Shape{g.gates * units});
    for (std::size_t i = 0; i < sum.size(); ++i) sum.data()[i] = w.bias_ih.data()[i] + w.bias_hh.data()[i];
    out.bias = Tensor<T>::empty(Shape{g.gates * units});
    vector_from_torch(sum, g, units, out.bias.data());
  }
  return out;
}

const GateLayout& layout_of(TorchRNNKind kind) {
  switch (kind) {
    case TorchRNNKind::gru: return kGru;
    case TorchRNNKind::lstm: return kLstm;
    default: return kSimple;
  }
}

template <class T>
TorchCellWeights<T> to_torch(TorchRNNKind kind, const KerasCellWeights<T>& w) {
  switch (kind) {
    case TorchRNNKind::gru: return gru_to_torch(w);
    case TorchRNNKind::lstm: return lstm_to_torch(w);
    default: return simple_rnn_to_torch(w);
  }
}

template <class T>
KerasCellWeights<T> from_torch(TorchRNNKind kind, const TorchCellWeights<T>& w) {
  switch (kind) {
    case TorchRNNKind::gru: return gru_from_torch(w);
    case TorchRNNKind::lstm: return lstm_from_torch(w);
    default: return simple_rnn_from_torch(w);
  }
}

template <class T>
TorchCellSlot<T> slot_of(const RNNCell<T>& cell) {
  const auto layout = cell.torch_layout();  // throws ValueError for a configuration torch lacks
  if (!layout)
    throw NotImplementedError("torch layout: cell '" + cell.name() + "' expected a cell with a PyTorch layout "
                              "(GRUCell, LSTMCell, SimpleRNNCell, or a cell overriding RNNCell::torch_layout), "
                              "received a cell without one, which has no known PyTorch layout");
  if (!cell.built())
    throw ValueError("torch layout: cell '" + cell.name() + "' expected to be built (its weights exist), received "
                     "an unbuilt cell (call the model once or build() it first)");
  TorchCellSlot<T> s;
  s.cell = &cell;
  s.kind = layout->kind;
  s.use_bias = layout->bias.defined();
  s.weights = {layout->kernel, layout->recurrent_kernel};
  if (s.use_bias) s.weights.push_back(layout->bias);
  return s;
}

}  // namespace

template <class T>
TorchCellWeights<T> gru_to_torch(const KerasCellWeights<T>& w) {
  const std::size_t units = check_keras_kernels(w, kGru);
  TorchCellWeights<T> out{kernel_to_torch(w.kernel, kGru, units), kernel_to_torch(w.recurrent_kernel, kGru, units),
                          {}, {}};
  if (w.bias.defined()) {
    if (w.bias.shape() == Shape{3 * units})
      throw ValueError("gru_to_torch: 'bias' expected shape " + shape_str({2, 3 * units}) +
                       " (reset_after=True), received " + w.bias.shape().str() +
                       ", a reset_after=False GRU, which has no PyTorch counterpart (torch.nn.GRU is reset_after=True)");
    expect_shape(kGru.to_fn, "bias", w.bias, Shape{2, 3 * units});
    out.bias_ih = vector_to_torch(w.bias.data(), kGru, units);
    out.bias_hh = vector_to_torch(w.bias.data() + 3 * units, kGru, units);
  }
  return out;
}

template <class T>
KerasCellWeights<T> gru_from_torch(const TorchCellWeights<T>& w) {
  const std::size_t units = check_torch_weights(w, kGru);
  KerasCellWeights<T> out{kernel_from_torch(w.weight_ih, kGru, units), kernel_from_torch(w.weight_hh, kGru, units),
                          {}};
  if (w.bias_ih.defined()) {
    out.bias = Tensor<T>::empty(Shape{2, 3 * units});
    vector_from_torch(w.bias_ih, kGru, units, out.bias.data());
    vector_from_torch(w.bias_hh, kGru, units, out.bias.data() + 3 * units);
  }
  return out;
}

template <class T>
TorchCellWeights<T> lstm_to_torch(const KerasCellWeights<T>& w) {
  return single_bias_to_torch(w, kLstm);
}
template <class T>
KerasCellWeights<T> lstm_from_torch(const TorchCellWeights<T>& w) {
  return single_bias_from_torch(w, kLstm);
}
template <class T>
TorchCellWeights<T> simple_rnn_to_torch(const KerasCellWeights<T>& w) {
  return single_bias_to_torch(w, kSimple);
}
template <class T>
KerasCellWeights<T> simple_rnn_from_torch(const TorchCellWeights<T>& w) {
  return single_bias_from_torch(w, kSimple);
}

std::string torch_module_name(TorchRNNKind kind) {
  switch (kind) {
    case TorchRNNKind::gru: return "GRU";
    case TorchRNNKind::lstm: return "LSTM";
    case TorchRNNKind::rnn_tanh: return "RNN(nonlinearity='tanh')";
    case TorchRNNKind::rnn_relu: return "RNN(nonlinearity='relu')";
  }
  return "?";
}

template <class T>
std::string TorchCellSlot<T>::suffix() const {
  return "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
}

template <class T>
std::vector<std::string> TorchCellSlot<T>::keras_names() const {
  if (weights.size() != (use_bias ? 3u : 2u))
    throw ValueError("torch layout: cell '" + (cell ? cell->name() : std::string("?")) + "' expected " +
                     (use_bias ? "3 weights (kernel, recurrent_kernel, bias)" : "2 weights (kernel, recurrent_kernel)") +
                     " in its slot, received " + std::to_string(weights.size()));
  std::vector<std::string> out;
  for (const auto& w : weights) out.push_back(w.name());
  return out;
}

template <class T>
std::vector<std::string> TorchCellSlot<T>::torch_names(const std::string& prefix) const {
  std::vector<std::string> out{prefix + "weight_ih" + suffix(), prefix + "weight_hh" + suffix()};
  if (use_bias) {
    out.push_back(prefix + "bias_ih" + suffix());
    out.push_back(prefix + "bias_hh" + suffix());
  }
  return out;
}

template <class T>
std::vector<TorchCellSlot<T>> torch_cell_slots(const std::vector<const Layer<T>*>& layers) {
  std::vector<TorchCellSlot<T>> slots;
  std::size_t k = 0;
  std::string first_bi, first_uni;  // a layer of each directionality, for the mixed-case message
  for (const Layer<T>* layer : layers) {
    const auto dirs = layer->recurrent_layers();
    if (dirs.size() == 2) {
      const auto& fw = *dirs[0];
      const auto& bw = *dirs[1];
      if (fw.options().go_backwards)
        throw ValueError("Bidirectional '" + layer->name() + "': a forward layer with go_backwards=False expected "
                         "for PyTorch (its first direction reads the sequence forwards), received go_backwards=True");
      const auto fc = fw.cell()->stacked_cells(), bc = bw.cell()->stacked_cells();
      if (fc.size() != 1 || bc.size() != 1)
        throw ValueError("Bidirectional '" + layer->name() + "': one cell per direction expected for PyTorch, "
                         "received stacked cells, which have no PyTorch counterpart (torch feeds both directions "
                         "of layer k into layer k+1): stack Bidirectional layers instead");
      auto f = slot_of(*fc[0]), b = slot_of(*bc[0]);
      f.layer = b.layer = k++;
      b.reverse = true;
      slots.push_back(f);
      slots.push_back(b);
      if (first_bi.empty()) first_bi = layer->name();
    } else if (dirs.size() == 1) {
      const auto& rnn = *dirs[0];
      if (rnn.options().go_backwards)
        throw ValueError("RNN '" + rnn.name() + "': go_backwards=False expected for PyTorch, received "
                         "go_backwards=True, which has no PyTorch counterpart outside a bidirectional module");
      for (const RNNCell<T>* c : rnn.cell()->stacked_cells()) {
        auto s = slot_of(*c);
        s.layer = k++;
        slots.push_back(s);
      }
      if (first_uni.empty()) first_uni = rnn.name();
    } else if (!dirs.empty()) {
      throw ValueError("torch layout: layer '" + layer->name() + "' expected 1 (unidirectional) or 2 (bidirectional) "
                       "recurrent layers, received " + std::to_string(dirs.size()));
    }
  }
  if (!first_bi.empty() && !first_uni.empty())
    throw ValueError("torch layout: recurrent layers expected all bidirectional or all unidirectional (one torch "
                     "module), received Bidirectional '" + first_bi + "' and unidirectional '" + first_uni + "'");
  for (const auto& s : slots) {
    if (s.kind != slots[0].kind)
      throw ValueError("torch layout: cells of one kind expected (one torch module), received torch.nn." +
                       torch_module_name(slots[0].kind) + " cell '" + slots[0].cell->name() + "' and torch.nn." +
                       torch_module_name(s.kind) + " cell '" + s.cell->name() + "'");
    if (s.use_bias != slots[0].use_bias)
      throw ValueError("torch layout: the same use_bias for every cell expected (torch's bias flag is per module), "
                       "received cell '" + slots[0].cell->name() + "' with use_bias=" +
                       (slots[0].use_bias ? "True" : "False") + " and cell '" + s.cell->name() + "' with use_bias=" +
                       (s.use_bias ? "True" : "False"));
  }
  return slots;
}

template <class T>
std::map<std::string, Tensor<T>> keras_to_torch(const std::vector<TorchCellSlot<T>>& slots,
                                                const std::map<std::string, Tensor<T>>& keras,
                                                const std::string& prefix) {
  std::map<std::string, Tensor<T>> out = keras;
  std::vector<std::pair<std::string, Tensor<T>>> added;
  for (const auto& s : slots) {
    const auto names = s.keras_names();
    std::vector<Tensor<T>> w;
    for (const auto& n : names) {
      auto it = keras.find(n);
      if (it == keras.end())
        throw ValueError("keras_to_torch: weight '" + n + "' of cell '" + s.cell->name() +
                         "' expected in the weights, received weights without it");
      w.push_back(it->second);
      out.erase(n);
    }
    const auto t = to_torch(s.kind, KerasCellWeights<T>{w[0], w[1], s.use_bias ? w[2] : Tensor<T>{}});
    const auto tn = s.torch_names(prefix);
    added.emplace_back(tn[0], t.weight_ih);
    added.emplace_back(tn[1], t.weight_hh);
    if (s.use_bias) {
      added.emplace_back(tn[2], t.bias_ih);
      added.emplace_back(tn[3], t.bias_hh);
    }
  }
  for (auto& [name, t] : added)
    if (!out.emplace(name, t).second)
      throw ValueError("keras_to_torch: torch key '" + name + "' expected to be free, received a weight of that "
                       "name already (rename the layer that owns it)");
  return out;
}

template <class T>
std::map<std::string, Tensor<T>> torch_to_keras(const std::vector<TorchCellSlot<T>>& slots,
                                                const std::map<std::string, Tensor<T>>& torch,
                                                const std::string& what, const std::string& prefix) {
  std::map<std::string, Tensor<T>> out = torch;
  std::vector<std::pair<std::string, Tensor<T>>> added;
  for (const auto& s : slots) {
    const auto& ws = s.weights;
    const std::size_t in = ws.at(0).shape()[0], units = ws.at(1).shape()[0];
    const std::size_t gu = layout_of(s.kind).gates * units;
    const auto tn = s.torch_names(prefix);
    std::vector<Tensor<T>> t;
    for (std::size_t i = 0; i < tn.size(); ++i) {
      auto it = torch.find(tn[i]);
      if (it == torch.end())
        throw IOError(what + ": torch key '" + tn[i] + "' expected (torch.nn." + torch_module_name(s.kind) +
                      " layer " + std::to_string(s.layer) + (s.reverse ? ", reverse direction" : "") +
                      ", for cell '" + s.cell->name() + "'), received a file without it");
      const Shape want = i == 0 ? Shape{gu, in} : i == 1 ? Shape{gu, units} : Shape{gu};
      if (it->second.shape() != want)
        throw ShapeError(what + ": '" + tn[i] + "' expected shape " + want.str() + ", received " +
                         it->second.shape().str());
      t.push_back(it->second);
      out.erase(tn[i]);
    }
    const auto k = from_torch(s.kind, TorchCellWeights<T>{t[0], t[1], s.use_bias ? t[2] : Tensor<T>{},
                                                          s.use_bias ? t[3] : Tensor<T>{}});
    const auto kn = s.keras_names();
    added.emplace_back(kn[0], k.kernel);
    added.emplace_back(kn[1], k.recurrent_kernel);
    if (s.use_bias) added.emplace_back(kn[2], k.bias);
  }
  for (auto& [name, t] : added)
    if (!out.emplace(name, t).second)
      throw IOError(what + ": weight '" + name + "' expected once, received it both under its torch key and "
                    "under its Keras name");
  return out;
}

#define LOOM_INSTANTIATE_TORCH_LAYOUT(T)                                                                      \
  template TorchCellWeights<T> gru_to_torch<T>(const KerasCellWeights<T>&);                                  \
  template KerasCellWeights<T> gru_from_torch<T>(const TorchCellWeights<T>&);                                \
  template TorchCellWeights<T> lstm_to_torch<T>(const KerasCellWeights<T>&);                                 \
  template KerasCellWeights<T> lstm_from_torch<T>(const TorchCellWeights<T>&);                               \
  template TorchCellWeights<T> simple_rnn_to_torch<T>(const KerasCellWeights<T>&);                           \
  template KerasCellWeights<T> simple_rnn_from_torch<T>(const TorchCellWeights<T>&);                         \
  template struct TorchCellSlot<T>;                                                                           \
  template std::vector<TorchCellSlot<T>> torch_cell_slots<T>(const std::vector<const Layer<T>*>&);           \
  template std::map<std::string, Tensor<T>> keras_to_torch<T>(                                                \
      const std::vector<TorchCellSlot<T>>&, const std::map<std::string, Tensor<T>>&, const std::string&);     \
  template std::map<std::string, Tensor<T>> torch_to_keras<T>(                                                \
      const std::vector<TorchCellSlot<T>>&, const std::map<std::string, Tensor<T>>&, const std::string&,      \
      const std::string&);
LOOM_INSTANTIATE_TORCH_LAYOUT(float)
LOOM_INSTANTIATE_TORCH_LAYOUT(double)

}  // namespace loom
