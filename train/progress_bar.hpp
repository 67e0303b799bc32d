#pragma once
// Keras's progress bar (tf.keras.utils.Progbar, verbose=1):
//   Epoch 3/20
//   45/90 [==============>...............] - ETA: 2s - loss: 0.1234 - mae: 0.2000
// On a terminal the bar is redrawn in place (\r). When the stream is not a terminal (a log file,
// CI) it writes one line per epoch instead, when the epoch ends:
//   Epoch 3/20 - 90/90 - 2s 22ms/step - loss: 0.1234 - mae: 0.2000 - val_loss: 0.1300
// Values are shown as given: fit passes running means of loss and metrics.
#include <cstddef>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "train/history.hpp"

namespace loom {

// Named values in display order.
using ProgressValues = std::vector<std::pair<std::string, double>>;

struct ProgressBarOptions {
  std::size_t width = 30;    // characters inside the brackets
  // Redraw in place. Unset: true when the stream is std::cout, std::cerr or std::clog and that
  // file descriptor is a terminal (isatty); false for any other stream.
  std::optional<bool> tty;
  double interval = 0.05;    // least seconds between redraws (the last step always draws)
  std::function<double()> clock;  // seconds; a monotonic clock when unset (tests inject one)
};

class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out = std::cout, ProgressBarOptions options = {});

  // Epoch `epoch` (0-based as Keras callbacks count; shown 1-based) of `epochs`, with `steps`
  // batches, 0 when unknown.
  void begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t steps);
  // After `step` batches of the epoch (1-based).
  void update(std::size_t step, const ProgressValues& values);
  // The epoch's closing line, with every value (validation values included).
  void end_epoch(const ProgressValues& values);
  // fit's Logs (a map) in Keras's display order: loss, the other training values, val_loss,
  // the other validation values.
  static ProgressValues ordered(const Logs& logs);

  bool tty() const { return tty_; }
  // Keras's number format: %.4f, or %.4e for magnitudes up to 1e-3.
  static std::string format_value(double v);
  // Keras's duration formats: "2s", "1:05", "1:01:05" (ETA) and "22ms/step" (per step).
  static std::string format_eta(double seconds);
  static std::string format_per_step(double seconds);

 private:
  std::string bar(std::size_t step, bool finished) const;
  static std::string values(const ProgressValues& values);
  double now() const;

  std::ostream& out_;
  ProgressBarOptions opt_;
  bool tty_;
  std::size_t epoch_ = 0, epochs_ = 0, steps_ = 0, seen_ = 0;
  double start_ = 0.0, last_draw_ = 0.0;
  bool drawn_ = false;
  std::size_t prev_width_ = 0;
};

}  // namespace loom
