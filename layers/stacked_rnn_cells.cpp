#include "layers/stacked_rnn_cells.hpp"

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/serialize.hpp"
#include "layers/layer_config.hpp"
#include "layers/registry.hpp"

namespace loom {

template <class T>
StackedRNNCells<T>::StackedRNNCells(std::vector<CellPtr> cells, StackedRNNCellsOptions options)
    : RNNCell<T>(options.name.empty() ? unique_layer_name("stacked_rnn_cells") : options.name),
      cells_(std::move(cells)) {
  if (cells_.empty())
    throw ValueError("StackedRNNCells: cells expected at least one cell, received an empty list");
  for (std::size_t k = 0; k < cells_.size(); ++k) {
    if (!cells_[k]) throw ValueError("StackedRNNCells: cell " + std::to_string(k) + " is null");
    this->track_layer(cells_[k]);
  }
}

template <class T>
std::vector<std::size_t> StackedRNNCells<T>::state_size() const {
  std::vector<std::size_t> s;
  for (const auto& c : cells_) {
    const auto cs = c->state_size();
    s.insert(s.end(), cs.begin(), cs.end());
  }
  return s;
}

template <class T>
std::vector<Tensor<T>> StackedRNNCells<T>::get_initial_state(std::size_t batch) const {
  std::vector<Tensor<T>> s;
  for (const auto& c : cells_) {
    auto cs = c->get_initial_state(batch);
    s.insert(s.end(), cs.begin(), cs.end());
  }
  return s;
}

template <class T>
void StackedRNNCells<T>::build(const Shape& input_shape) {
  Shape in = input_shape;
  for (const auto& c : cells_) {
    c->maybe_build(in);
    in = Shape{in[0], c->output_size()};
  }
  RNNCell<T>::build(input_shape);  // records the shape and marks the cell built
}

template <class T>
CellOutput<T> StackedRNNCells<T>::call(const Tensor<T>& x, const std::vector<Tensor<T>>& states,
                                       bool training) {
  this->maybe_build(x.shape());
  const auto sizes = state_size();
  if (states.size() != sizes.size())
    throw ValueError("StackedRNNCells: states expected " + std::to_string(sizes.size()) +
                     " tensor(s) (all cells' states in cell order), received " + std::to_string(states.size()));
  CellOutput<T> out;
  out.output = x;
  std::size_t pos = 0;
  for (const auto& c : cells_) {
    const std::size_t n = c->state_size().size();
    std::vector<Tensor<T>> own(states.begin() + pos, states.begin() + pos + n);
    auto r = c->call(out.output, own, training);
    out.output = r.output;
    out.states.insert(out.states.end(), r.states.begin(), r.states.end());
    pos += n;
  }
  return out;
}

template <class T>
void StackedRNNCells<T>::reset_dropout_masks() {
  for (const auto& c : cells_) c->reset_dropout_masks();
}

template <class T>
Config StackedRNNCells<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["cells"] = Config::array();
  for (const auto& cell : cells_) c["cells"].push_back(serialize<Layer<T>>(*cell));
  return c;
}

template <class T>
std::shared_ptr<StackedRNNCells<T>> StackedRNNCells<T>::from_config(const Config& c) {
  config::Reader r(c, "StackedRNNCells");
  const auto base = config::read_layer_base<T>(r);
  const Config& list = r.require("cells");
  r.finish();
  if (!list.is_array())
    throw ValueError("StackedRNNCells: config field 'cells' expected a list of cells, received " +
                     config::brief(list));
  std::vector<CellPtr> cells;
  for (std::size_t k = 0; k < list.size(); ++k) {
    auto cell = std::dynamic_pointer_cast<RNNCell<T>>(loom::from_config<Layer<T>>(list[k]));
    if (!cell)
      throw ValueError("StackedRNNCells: config field 'cells[" + std::to_string(k) +
                       "]' expected an RNN cell, received class '" +
                       config::open_envelope(list[k], "StackedRNNCells cell").class_name + "'");
    cells.push_back(std::move(cell));
  }
  return config::finish_layer(
      std::make_shared<StackedRNNCells<T>>(std::move(cells), StackedRNNCellsOptions{.name = base.name}), base);
}

template class StackedRNNCells<float>;
template class StackedRNNCells<double>;

}  // namespace loom
