#include "train/callbacks/csv_logger.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/errors.hpp"
#include "train/distribute/communicator.hpp"
#include "train/io/atomic_file.hpp"
#include "train/model.hpp"

namespace loom::callbacks {

namespace {
std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, sep)) out.push_back(cell);
  return out;
}

std::string format_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

template <class T>
CSVLogger<T>::CSVLogger(std::string filename, char separator, bool append)
    : filename_(std::move(filename)), sep_(separator), append_(append) {
  if (filename_.empty()) throw ValueError("CSVLogger: filename expected a path, received an empty string");
}

template <class T>
void CSVLogger<T>::on_train_begin(const Logs&) {
  keys_.clear();
  rows_.clear();
  if (!append_ || !std::filesystem::exists(filename_)) return;
  std::istringstream in(io::read_file(filename_));
  std::string line;
  if (!std::getline(in, line)) return;
  auto header = split(line, sep_);
  if (header.empty() || header[0] != "epoch")
    throw IOError("CSVLogger: '" + filename_ + "' expected a header starting with 'epoch', received '" +
                  line + "'");
  keys_.assign(header.begin() + 1, header.end());
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto cells = split(line, sep_);
    try {
      rows_.emplace_back(std::stoul(cells.at(0)), line);
    } catch (const std::exception&) {
      throw IOError("CSVLogger: '" + filename_ + "' line " + std::to_string(line_no) +
                    " expected an epoch number in column 1, received '" + line + "'");
    }
  }
}

template <class T>
void CSVLogger<T>::on_epoch_end(std::size_t epoch, Logs& logs) {
  if (keys_.empty())
    for (const auto& [k, v] : logs) keys_.push_back(k);
  std::string row = std::to_string(epoch);
  for (const auto& k : keys_) {
    auto it = logs.find(k);
    row += sep_;
    row += it != logs.end() ? format_value(it->second) : std::string("NA");  // as Keras
  }
  // A resumed run repeats epochs from its checkpoint: their new rows replace the old ones.
  while (!rows_.empty() && rows_.back().first >= epoch) rows_.pop_back();
  rows_.emplace_back(epoch, std::move(row));
  // In a data-parallel fit every rank has the same rows; rank 0 alone writes the file.
  if (const Model<T>* m = this->model(); m && m->communicator() && m->communicator()->rank() != 0) return;
  write();
}

template <class T>
void CSVLogger<T>::write() const {
  std::string out = "epoch";
  for (const auto& k : keys_) out += sep_ + k;
  out += '\n';
  for (const auto& [e, row] : rows_) out += row + '\n';
  io::write_file_atomic(filename_, out);
}

template class CSVLogger<float>;
template class CSVLogger<double>;

}  // namespace loom::callbacks
