#include "train/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>
#include <fstream>
#include <optional>

#include "core/errors.hpp"

namespace loom {
namespace {

struct Row {
  std::size_t line = 0;  // 1-based line number in the file
  std::vector<std::string> cells;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_line(const std::string& path, std::size_t line_no, const std::string& line,
                                    char delim) {
  std::vector<std::string> cells;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"' && trim(cur).empty()) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == delim) {
      cells.push_back(was_quoted ? cur : trim(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted)
    throw IOError("read_csv: file '" + path + "', line " + std::to_string(line_no) +
                  ": expected a closing quote, received the end of the line");
  cells.push_back(was_quoted ? cur : trim(cur));
  return cells;
}

// What a cell holds: a number, something written as a number that double cannot hold (1e999),
// or text. Hexadecimal floats (0x1p3, as printf's %a writes) are numbers too.
enum class Cell { number, out_of_range, text };

Cell parse_number(const std::string& s, double& v) {
  if (s.empty()) return Cell::text;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;  // from_chars rejects a leading '+'
  const char* digits = b + (b < e && *b == '-');
  const bool hex = e - digits > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  auto [p, ec] = hex ? std::from_chars(digits + 2, e, v, std::chars_format::hex) : std::from_chars(b, e, v);
  if (p != e) return Cell::text;
  if (ec == std::errc::result_out_of_range) return Cell::out_of_range;
  if (ec != std::errc()) return Cell::text;
  if (hex && digits != b) v = -v;
  return Cell::number;
}

// A cell for a message: at most 80 bytes of it, with bytes that would cut or garble the message
// (NUL, control characters) written as \xNN.
std::string quoted_cell(const std::string& cell) {
  std::string out = "'";
  for (std::size_t i = 0; i < cell.size() && i < 80; ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  if (cell.size() > 80) out += " (the first 80 of " + std::to_string(cell.size()) + " bytes)";
  return out;
}

// Lines end in \n, \r\n or a lone \r (old Mac files): all three split the same way.
bool next_line(std::istream& in, std::string& line) {
  line.clear();
  char c;
  bool any = false;
  while (in.get(c)) {
    any = true;
    if (c == '\n') return true;
    if (c == '\r') {
      if (in.peek() == '\n') in.get(c);
      return true;
    }
    line += c;
  }
  return any;
}

}  // namespace

template <class T>
std::size_t CsvTable<T>::column(const std::string& name) const {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  throw IndexError("CsvTable::column: expected one of the table's column names, received '" + name + "'");
}

template <class T>
CsvTable<T> read_csv(const std::string& path, const CsvOptions& opt) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("read_csv: cannot open file '" + path + "' (missing or unreadable)");
  std::vector<Row> rows;
  std::string line;
  for (std::size_t no = 1; next_line(in, line); ++no) {
    if (no == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (trim(line).empty()) continue;
    rows.push_back({no, split_line(path, no, line, opt.delimiter)});
  }
  if (in.bad()) throw IOError("read_csv: error while reading file '" + path + "'");
  if (rows.empty()) throw IOError("read_csv: file '" + path + "' is empty (no rows)");

  const std::size_t width = rows[0].cells.size();
  bool header = opt.header == CsvHeader::present;
  if (opt.header == CsvHeader::detect)
    for (const auto& c : rows[0].cells) {
      double v = 0.0;
      if (parse_number(c, v) == Cell::text) header = true;
    }
  std::vector<std::string> all_names(width);
  if (header) all_names = rows[0].cells;
  const std::size_t first = header ? 1 : 0;
  if (rows.size() == first)
    throw IOError("read_csv: file '" + path + "' has a header (line " + std::to_string(rows[0].line) +
                  ") but no data rows");

  std::vector<std::size_t> cols;
  if (opt.columns.empty()) {
    for (std::size_t i = 0; i < width; ++i) cols.push_back(i);
  }
  for (const auto& c : opt.columns) {
    if (const auto* idx = std::get_if<std::size_t>(&c)) {
      if (*idx >= width)
        throw IOError("read_csv: file '" + path + "' has " + std::to_string(width) +
                      " columns, column index " + std::to_string(*idx) + " was asked for");
      cols.push_back(*idx);
    } else {
      const std::string& name = std::get<std::string>(c);
      if (!header)
        throw IOError("read_csv: file '" + path + "': column '" + name +
                      "' was asked for by name, but the file has no header line");
      std::size_t k = 0;
      while (k < width && all_names[k] != name) ++k;
      if (k == width)
        throw IOError("read_csv: file '" + path + "': header (line " + std::to_string(rows[0].line) +
                      ") has no column named '" + name + "'");
      cols.push_back(k);
    }
  }

  CsvTable<T> table;
  for (std::size_t c : cols) table.names.push_back(all_names[c]);
  table.data = Tensor<T>::empty(Shape{rows.size() - first, cols.size()});
  T* out = table.data.data();
  for (std::size_t r = first; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (row.cells.size() != width)
      throw IOError("read_csv: file '" + path + "', line " + std::to_string(row.line) + ": expected " +
                    std::to_string(width) + " fields (as line " + std::to_string(rows[0].line) +
                    "), received " + std::to_string(row.cells.size()));
    for (std::size_t k = 0; k < cols.size(); ++k) {
      const std::string& cell = row.cells[cols[k]];
      double v = 0.0;
      const Cell kind = parse_number(cell, v);
      // A float table takes only what float holds: 3.5e38 would become inf without a word.
      const bool fits = kind == Cell::number && (!std::isfinite(v) || std::fabs(v) <= std::numeric_limits<T>::max());
      if (!fits) {
        std::string where = "read_csv: file '" + path + "', line " + std::to_string(row.line) +
                            ", column " + std::to_string(cols[k] + 1);
        if (header) where += " (" + quoted_cell(all_names[cols[k]]) + ")";
        const std::string expected =
            kind == Cell::text ? "a number"
                               : std::string("a number within the range of ") +
                                     (std::is_same_v<T, float> ? "float32 (|x| <= 3.4028235e+38)" : "float64");
        throw IOError(where + ": expected " + expected + ", received " +
                      (cell.empty() ? std::string("an empty cell") : quoted_cell(cell)));
      }
      *out++ = static_cast<T>(v);
    }
  }
  return table;
}

template struct CsvTable<float>;
template struct CsvTable<double>;
template CsvTable<float> read_csv<float>(const std::string&, const CsvOptions&);
template CsvTable<double> read_csv<double>(const std::string&, const CsvOptions&);

}  // namespace loom
