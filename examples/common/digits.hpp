#pragma once
// The bundled 8x8 digits (examples/data/digits.csv: 64 pixels 0-16 and a label per row), as the
// digits examples read them: each image is 8 steps of 8 pixels scaled to [0, 1].
#include <cstddef>
#include <string>
#include <utility>

#include "core/tensor.hpp"

namespace loom::examples {

struct DigitsTable {
  Tensor<float> rows;  // (n, 65) as read
  std::size_t n() const { return rows.dim(0); }
};

// Reads `csv_path`; throws IOError (naming `who`) unless it holds more than `n_train` rows of 65
// columns.
DigitsTable read_digits(const std::string& csv_path, std::size_t n_train, const std::string& who);

// Rows [first, first + count) as x (count, 8, 8) in [0, 1] and y (count) labels.
std::pair<Tensor<float>, Tensor<float>> digits_rows(const DigitsTable& table, std::size_t first,
                                                    std::size_t count);

}  // namespace loom::examples
