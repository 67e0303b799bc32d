#include "train/progress_bar.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace loom {
namespace {

bool stream_is_tty(const std::ostream& out) {
  if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
  if (&out == &std::cerr || &out == &std::clog) return ::isatty(STDERR_FILENO) == 1;
  return false;
}

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, ProgressBarOptions options)
    : out_(out), opt_(std::move(options)), tty_(opt_.tty ? *opt_.tty : stream_is_tty(out)) {}

double ProgressBar::now() const {
  if (opt_.clock) return opt_.clock();
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string ProgressBar::format_value(double v) {
  return printf_str(std::abs(v) > 1e-3 ? "%.4f" : "%.4e", v);
}

std::string ProgressBar::format_eta(double s) {
  const long t = std::lround(s);
  char buf[64];
  if (t > 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t % 3600) / 60, t % 60);
  else if (t > 60)
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

std::string ProgressBar::format_per_step(double s) {
  if (s >= 1.0) return printf_str("%.0fs/step", s);
  if (s >= 1e-3) return printf_str("%.0fms/step", s * 1e3);
  return printf_str("%.0fus/step", s * 1e6);
}

ProgressValues ProgressBar::ordered(const Logs& logs) {
  ProgressValues out;
  auto take = [&](bool val, bool loss) {
    for (const auto& [k, v] : logs) {
      const bool is_val = k.rfind("val_", 0) == 0;
      const bool is_loss = k == (val ? "val_loss" : "loss");
      if (is_val == val && is_loss == loss) out.emplace_back(k, v);
    }
  };
  take(false, true);
  take(false, false);
  take(true, true);
  take(true, false);
  return out;
}

std::string ProgressBar::values(const ProgressValues& logs) {
  std::string s;
  for (const auto& [k, v] : logs) s += " - " + k + ": " + format_value(v);
  return s;
}

std::string ProgressBar::bar(std::size_t step, bool finished) const {
  const std::size_t target = steps_ ? steps_ : (finished ? step : 0);
  std::string s;
  if (target == 0) {
    s = std::to_string(step) + "/Unknown";
    return s;
  }
  const std::string t = std::to_string(target);
  std::string c = std::to_string(step);
  if (c.size() < t.size()) c.insert(0, t.size() - c.size(), ' ');
  s = c + "/" + t;
  if (!tty_) return s;
  const double frac = std::min(1.0, static_cast<double>(step) / static_cast<double>(target));
  const auto filled = static_cast<std::size_t>(static_cast<double>(opt_.width) * frac);
  s += " [";
  if (filled > 0) {
    s.append(filled - 1, '=');
    s += step < target ? '>' : '=';
  }
  s.append(opt_.width - filled, '.');
  s += "]";
  return s;
}

void ProgressBar::begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  seen_ = 0;
  start_ = now();
  drawn_ = false;
  prev_width_ = 0;
  if (tty_) out_ << "Epoch " << epoch + 1 << "/" << epochs << "\n" << std::flush;
}

void ProgressBar::update(std::size_t step, const ProgressValues& logs) {
  seen_ = step;
  if (!tty_) return;
  const double t = now();
  const bool last = steps_ != 0 && step >= steps_;
  if (drawn_ && !last && t - last_draw_ < opt_.interval) return;
  std::string line = bar(step, false);
  const double per_step = step ? (t - start_) / static_cast<double>(step) : 0.0;
  if (steps_ != 0 && step < steps_)
    line += " - ETA: " + format_eta(per_step * static_cast<double>(steps_ - step));
  else
    line += " - " + format_eta(t - start_) + " " + format_per_step(per_step);
  line += values(logs);
  const std::size_t w = line.size();
  if (w < prev_width_) line.append(prev_width_ - w, ' ');
  prev_width_ = w;
  out_ << '\r' << line << std::flush;
  drawn_ = true;
  last_draw_ = t;
}

void ProgressBar::end_epoch(const ProgressValues& logs) {
  const double t = now();
  const std::size_t step = steps_ ? steps_ : seen_;
  const double per_step = step ? (t - start_) / static_cast<double>(step) : 0.0;
  std::string line = bar(step, true) + " - " + format_eta(t - start_) + " " + format_per_step(per_step) +
                     values(logs);
  if (tty_) {
    const std::size_t w = line.size();
    if (w < prev_width_) line.append(prev_width_ - w, ' ');
    out_ << '\r' << line << "\n" << std::flush;
  } else {
    out_ << "Epoch " << epoch_ + 1 << "/" << epochs_ << " - " << line << "\n" << std::flush;
  }
}

}  // namespace loom
