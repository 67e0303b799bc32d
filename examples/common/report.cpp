#include "common/report.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/errors.hpp"
#include "train/io/atomic_file.hpp"
#include "train/plot.hpp"

namespace loom::examples {

std::string data_file(const std::string& data_dir, const std::string& name) {
  const std::string dir = data_dir.empty() ? std::string(LOOM_EXAMPLES_DATA_DIR) : data_dir;
  return (std::filesystem::path(dir) / name).string();
}

std::string make_out_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IOError("examples: cannot create the output folder --out '" + dir + "': " + ec.message());
  return dir;
}

bool plot_curves(const std::map<std::string, std::vector<double>>& curves, const std::string& png,
                 const std::string& title, const std::string& ylabel, bool log_y) {
  if (!gnuplot_available()) {
    std::cout << "note: gnuplot is not installed, so " << png << " was not drawn (apt-get install gnuplot-nox)\n";
    return false;
  }
  plot_series(png, curves, {.title = title, .xlabel = "epoch", .ylabel = ylabel, .log_y = log_y});
  return true;
}

bool plot_history(const History& history, const std::string& png, const std::string& title, bool log_y) {
  std::map<std::string, std::vector<double>> curves;
  curves["train loss"] = history["loss"];
  if (history.contains("val_loss")) curves["validation loss"] = history["val_loss"];
  return plot_curves(curves, png, title, "loss", log_y);
}

void write_history_csv(const History& history, const std::string& path) {
  std::ostringstream s;
  s.precision(9);
  s << "epoch";
  for (const auto& [key, values] : history.history) s << ',' << key;
  s << '\n';
  for (std::size_t i = 0; i < history.size(); ++i) {
    s << history.epoch[i];
    for (const auto& [key, values] : history.history) s << ',' << values[i];
    s << '\n';
  }
  io::write_file_atomic(path, s.str());
}

void print_final(const std::vector<std::pair<std::string, double>>& metrics) {
  std::string line = "final:";
  char buf[64];
  for (const auto& [name, value] : metrics) {
    std::snprintf(buf, sizeof buf, "%.4g", value);
    line += " " + name + "=" + buf;
  }
  std::cout << line << std::endl;
}

double elapsed_seconds() {
  static const auto start = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace loom::examples
