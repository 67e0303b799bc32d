#pragma once
// StackedRNNCells: a list of cells that acts as one cell. Within each step the cells run in order,
// the output of cell k feeding cell k+1, and each cell keeps its own states and dropout masks.
#include <memory>
#include <string>
#include <vector>

#include "layers/rnn_cell.hpp"

namespace loom {

struct StackedRNNCellsOptions {
  std::string name;  // "" -> "stacked_rnn_cells", "stacked_rnn_cells_1", ...
};

template <class T = float>
class StackedRNNCells : public RNNCell<T> {
 public:
  using CellPtr = std::shared_ptr<RNNCell<T>>;
  // An empty list or a null cell -> ValueError.
  explicit StackedRNNCells(std::vector<CellPtr> cells, StackedRNNCellsOptions options = {});
  // Keras's config: {"cells": [each cell's serialized config], ...}.
  static std::shared_ptr<StackedRNNCells> from_config(const Config& config);
  using RNNCell<T>::call;

  const std::vector<CellPtr>& cells() const { return cells_; }
  // The cells' state sizes concatenated in cell order (Keras's flattened state order): states
  // [s(cell 0)..., s(cell 1)..., ...].
  std::vector<std::size_t> state_size() const override;
  std::size_t output_size() const override { return cells_.back()->output_size(); }
  std::vector<Tensor<T>> get_initial_state(std::size_t batch) const override;

  // Builds cell k with input (batch, output_size of cell k-1); already built cells are kept.
  void build(const Shape& input_shape) override;
  CellOutput<T> call(const Tensor<T>& x, const std::vector<Tensor<T>>& states, bool training) override;
  void reset_dropout_masks() override;
  std::vector<const RNNCell<T>*> stacked_cells() const override {
    std::vector<const RNNCell<T>*> out;
    for (const auto& c : cells_) out.push_back(c.get());
    return out;
  }
  Config get_config() const override;

 private:
  std::vector<CellPtr> cells_;
};

extern template class StackedRNNCells<float>;
extern template class StackedRNNCells<double>;

}  // namespace loom
