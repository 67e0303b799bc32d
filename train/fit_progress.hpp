#pragma once
// Internal to Model: what fit, evaluate and predict print for each verbose level, on top of the
// ProgressBar (train/progress_bar.hpp). verbose 0 prints nothing; 1 the progress bar (one line per
// epoch when the stream is not a terminal); 2 one line per epoch.
#include <cstddef>
#include <iosfwd>
#include <memory>

#include "train/history.hpp"

namespace loom::detail {

class FitProgress {
 public:
  FitProgress(std::ostream& out, int verbose, std::size_t epochs);
  ~FitProgress();
  FitProgress(const FitProgress&) = delete;
  FitProgress& operator=(const FitProgress&) = delete;

  void epoch_begin(std::size_t epoch, std::size_t steps);
  void batch_end(std::size_t steps_done, const Logs& logs);
  // The final line of the epoch, with the validation values.
  void epoch_end(const Logs& logs);
  // The epoch ends without a final line (training was stopped inside it).
  void abort();
  // evaluate / predict: one bar without an "Epoch" header.
  void test_begin(std::size_t steps);
  void test_end(const Logs& logs);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loom::detail
