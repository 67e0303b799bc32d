#include "train/fit_progress.hpp"

#include <cstdio>
#include <ostream>

namespace loom::detail {

struct FitProgress::Impl {
  std::ostream& out;
  int verbose;
  std::size_t epochs, steps = 0, done = 0;
};

FitProgress::FitProgress(std::ostream& out, int verbose, std::size_t epochs)
    : impl_(std::make_unique<Impl>(Impl{out, verbose, epochs})) {}
FitProgress::~FitProgress() = default;

namespace {
void print_logs(std::ostream& out, const Logs& logs) {
  for (const auto& [k, v] : logs) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    out << " - " << k << ": " << buf;
  }
}
}  // namespace

void FitProgress::epoch_begin(std::size_t epoch, std::size_t steps) {
  impl_->steps = steps;
  impl_->done = 0;
  if (impl_->verbose > 0) impl_->out << "Epoch " << epoch + 1 << "/" << impl_->epochs << "\n";
}
void FitProgress::batch_end(std::size_t steps_done, const Logs&) { impl_->done = steps_done; }
void FitProgress::epoch_end(const Logs& logs) {
  if (impl_->verbose == 0) return;
  impl_->out << impl_->done << "/" << impl_->steps;
  print_logs(impl_->out, logs);
  impl_->out << std::endl;
}
void FitProgress::abort() {
  if (impl_->verbose > 0) impl_->out << std::endl;
}
void FitProgress::test_begin(std::size_t steps) {
  impl_->steps = steps;
  impl_->done = 0;
}
void FitProgress::test_end(const Logs& logs) {
  if (impl_->verbose == 0) return;
  impl_->out << impl_->done << "/" << impl_->steps;
  print_logs(impl_->out, logs);
  impl_->out << std::endl;
}

}  // namespace loom::detail
