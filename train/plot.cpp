#include "train/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/errors.hpp"

namespace loom {
namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

}  // namespace

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

void plot_series(const std::string& png_path, const std::map<std::string, std::vector<double>>& series,
                 const PlotOptions& opt) {
  if (series.empty())
    throw ValueError("plot_series: series expected at least one named series, received none");
  for (const auto& [name, ys] : series)
    if (ys.empty())
      throw ValueError("plot_series: series '" + name + "' expected at least one value, received 0");
  namespace fs = std::filesystem;
  const fs::path out(png_path);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const std::string stem = ".loom_plot_" + std::to_string(::getpid());
  const fs::path data = dir / (stem + ".dat");
  const fs::path script = dir / (stem + ".gp");
  const fs::path tmp_png = dir / (stem + ".png");
  auto cleanup = [&] {
    std::error_code ec;
    fs::remove(data, ec);
    fs::remove(script, ec);
    fs::remove(tmp_png, ec);
  };
  {
    std::ofstream d(data);
    std::size_t rows = 0;
    for (const auto& s : series) rows = std::max(rows, s.second.size());
    for (std::size_t i = 0; i < rows; ++i) {
      d << (i + 1);
      for (const auto& s : series) {
        if (i < s.second.size() && std::isfinite(s.second[i]))
          d << ' ' << s.second[i];
        else
          d << " NaN";
      }
      d << '\n';
    }
    std::ofstream g(script);
    g << "set terminal pngcairo size 900,560 noenhanced\n"
      << "set output " << quote(tmp_png.string()) << "\n"
      << "set title " << quote(opt.title) << "\n"
      << "set xlabel " << quote(opt.xlabel) << "\nset ylabel " << quote(opt.ylabel) << "\n"
      << "set grid\nset key top right\nset datafile missing 'NaN'\n";
    if (opt.log_y) g << "set logscale y\n";
    g << "plot ";
    int col = 2;
    for (auto it = series.begin(); it != series.end(); ++it, ++col) {
      if (it != series.begin()) g << ", ";
      g << quote(data.string()) << " using 1:" << col << " with lines linewidth 2 title "
        << quote(it->first);
    }
    g << "\n";
    if (!d || !g) {
      cleanup();
      throw IOError("plot_series: could not write temporary files in " + dir.string());
    }
  }
  const std::string cmd = "gnuplot " + quote(script.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::error_code ec;
  if (rc != 0 || !fs::exists(tmp_png)) {
    cleanup();
    throw IOError("plot_series: '" + cmd + "' expected exit status 0, received " + std::to_string(rc) +
                  (gnuplot_available() ? "" : " (gnuplot is not installed: apt-get install gnuplot-nox)"));
  }
  fs::rename(tmp_png, out, ec);
  cleanup();
  if (ec) throw IOError("plot_series: could not rename the plot into " + png_path + ": " + ec.message());
}

}  // namespace loom
