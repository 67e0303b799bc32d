#include "common/digits.hpp"

#include "core/errors.hpp"
#include "train/data/csv.hpp"

namespace loom::examples {

DigitsTable read_digits(const std::string& csv_path, std::size_t n_train, const std::string& who) {
  auto table = read_csv<float>(csv_path, {.header = CsvHeader::absent});
  const std::size_t n = table.data.dim(0);
  if (table.data.dim(1) != 65 || n <= n_train)
    throw IOError(who + ": expected more than " + std::to_string(n_train) +
                  " rows of 64 pixels and a label, got " + std::to_string(n) + " rows of " +
                  std::to_string(table.data.dim(1)) + " columns");
  return {table.data};
}

std::pair<Tensor<float>, Tensor<float>> digits_rows(const DigitsTable& table, std::size_t first,
                                                    std::size_t count) {
  auto x = Tensor<float>::empty({count, 8, 8});
  auto y = Tensor<float>::empty({count});
  for (std::size_t i = 0; i < count; ++i) {
    const float* row = table.rows.data() + (first + i) * 65;
    for (std::size_t p = 0; p < 64; ++p) x.data()[i * 64 + p] = row[p] / 16.0f;
    y.data()[i] = row[64];
  }
  return {x, y};
}

}  // namespace loom::examples
