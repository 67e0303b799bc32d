#pragma once
// A reader for numeric CSV columns. Errors are IOErrors naming the file, the 1-based line and
// column (and the column's name when there is a header), and what was found there.
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.hpp"

namespace loom {

enum class CsvHeader { detect, present, absent };

struct CsvOptions {
  char delimiter = ',';
  // detect: the first line is a header when one of its cells is not a number.
  CsvHeader header = CsvHeader::detect;
  // Columns to read, by name (needs a header) or by 0-based index; empty reads every column.
  // Only the selected columns must be numeric.
  std::vector<std::variant<std::string, std::size_t>> columns;
};

template <class T = float>
struct CsvTable {
  std::vector<std::string> names;  // the selected columns' names ("" without a header)
  Tensor<T> data;                  // (rows, selected columns)
  std::size_t column(const std::string& name) const;  // index of a name in `names`
};

// Reads `path`. Blank lines are skipped; fields may be quoted ("a,b" and "" escapes); cells are
// trimmed of spaces. Throws IOError for a missing or empty file, a header without data, a row
// whose number of fields differs from the first row's, an empty or non-numeric selected cell,
// and a selected column that does not exist.
template <class T = float>
CsvTable<T> read_csv(const std::string& path, const CsvOptions& options = {});

extern template struct CsvTable<float>;
extern template struct CsvTable<double>;
extern template CsvTable<float> read_csv<float>(const std::string&, const CsvOptions&);
extern template CsvTable<double> read_csv<double>(const std::string&, const CsvOptions&);

}  // namespace loom
