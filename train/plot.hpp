#pragma once
// Loss curves as PNG through gnuplot (Debian gnuplot-nox), the plotting tool a C++ user already has.
#include <map>
#include <string>
#include <vector>

namespace loom {

struct PlotOptions {
  std::string title = "loss";
  std::string xlabel = "epoch";
  std::string ylabel = "loss";
  bool log_y = false;
};

// Draws one line per series (x = 1..n) into `png_path`. The image is rendered to a temporary file
// in the same folder and renamed into place, so a failed run never leaves a half-written image.
// Throws IOError when gnuplot is missing or fails, naming the command and its exit status.
void plot_series(const std::string& png_path, const std::map<std::string, std::vector<double>>& series,
                 const PlotOptions& options = {});

// True when a gnuplot executable is on PATH.
bool gnuplot_available();

}  // namespace loom
