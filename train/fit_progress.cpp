#include "train/fit_progress.hpp"

#include <chrono>
#include <ostream>

#include "train/progress_bar.hpp"

namespace loom::detail {

struct FitProgress::Impl {
  std::ostream& out;
  int verbose;
  std::size_t epochs;
  std::unique_ptr<ProgressBar> bar;
  std::size_t steps = 0, done = 0;
  std::chrono::steady_clock::time_point start;
};

FitProgress::FitProgress(std::ostream& out, int verbose, std::size_t epochs)
    : impl_(std::make_unique<Impl>(Impl{out, verbose, epochs, nullptr, 0, 0, {}})) {
  if (verbose == 1) {
    impl_->bar = std::make_unique<ProgressBar>(out);
  } else if (verbose >= 2) {
    // Keras's verbose=2: one line per epoch even on a terminal.
    impl_->bar = std::make_unique<ProgressBar>(out, [] {
      ProgressBarOptions o;
      o.tty = false;
      return o;
    }());
  }
}

FitProgress::~FitProgress() = default;

void FitProgress::epoch_begin(std::size_t epoch, std::size_t steps) {
  if (impl_->bar) impl_->bar->begin_epoch(epoch, impl_->epochs, steps);
}

void FitProgress::batch_end(std::size_t steps_done, const Logs& logs) {
  impl_->done = steps_done;
  if (impl_->bar) impl_->bar->update(steps_done, ProgressBar::ordered(logs));
}

void FitProgress::epoch_end(const Logs& logs) {
  if (impl_->bar) impl_->bar->end_epoch(ProgressBar::ordered(logs));
}

void FitProgress::abort() {
  // A terminal bar is left mid-line; end it so the stop message starts on its own line.
  if (impl_->bar && impl_->bar->tty()) impl_->out << "\n" << std::flush;
}

void FitProgress::test_begin(std::size_t steps) {
  // evaluate/predict print one closing line (Keras draws a bar without an "Epoch" header).
  impl_->steps = steps;
  impl_->done = 0;
  impl_->start = std::chrono::steady_clock::now();
  impl_->bar.reset();
}

void FitProgress::test_end(const Logs& logs) {
  if (impl_->verbose == 0) return;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->start).count();
  const double per_step = impl_->done ? secs / static_cast<double>(impl_->done) : 0.0;
  impl_->out << impl_->done << "/" << impl_->steps << " - " << ProgressBar::format_eta(secs) << " "
             << ProgressBar::format_per_step(per_step);
  for (const auto& [k, v] : ProgressBar::ordered(logs)) impl_->out << " - " << k << ": " << ProgressBar::format_value(v);
  impl_->out << "\n" << std::flush;
}

}  // namespace loom::detail
