#pragma once
// CSVLogger: one row per epoch ("epoch" 0-based, then the logged values sorted by name, as Keras)
// in a CSV file. The whole file is rewritten atomically after every epoch, so a crash leaves the
// file as it was after the last finished epoch, never a torn row. With append, the rows of an
// earlier run are kept (rows of epochs the new run repeats, after a resume, are replaced).
#include <string>
#include <vector>

#include "train/callbacks/callback.hpp"

namespace loom::callbacks {

template <class T = float>
class CSVLogger : public Callback<T> {
 public:
  explicit CSVLogger(std::string filename, char separator = ',', bool append = false);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(std::size_t epoch, Logs& logs) override;

 private:
  void write() const;
  std::string filename_;
  char sep_;
  bool append_;
  std::vector<std::string> keys_;
  std::vector<std::pair<std::size_t, std::string>> rows_;  // epoch, formatted row
};

extern template class CSVLogger<float>;
extern template class CSVLogger<double>;

}  // namespace loom::callbacks
