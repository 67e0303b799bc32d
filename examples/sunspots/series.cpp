#include "series.hpp"

#include <cmath>
#include <fstream>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "core/checks.hpp"
#include "train/data/csv.hpp"

namespace sunspots {
using loom::check::number;

Series load(const std::string& csv_path) {
  auto table = loom::read_csv<double>(csv_path, {.columns = {std::string("YEAR"), std::string("SUNACTIVITY")}});
  Series s;
  for (std::size_t i = 0; i < table.data.dim(0); ++i) {
    const double year = table.data.at({i, 0}), value = table.data.at({i, 1});
    // A year outside int's range is UB to cast, and a nan/inf activity would poison every window
    // it enters: reject both with the row named.
    if (!(std::abs(year) < 1e6) || year != std::floor(year))
      throw loom::ValueError("sunspots: " + csv_path + " row " + std::to_string(i + 1) +
                             ": YEAR expected a whole number of magnitude below 1e6, received " + number(year));
    if (!std::isfinite(value))
      throw loom::ValueError("sunspots: " + csv_path + " row " + std::to_string(i + 1) +
                             ": SUNACTIVITY expected a finite number, received " + number(value));
    s.years.push_back(static_cast<int>(year));
    s.values.push_back(value);
  }
  return s;
}

Windows make_windows(const std::vector<double>& z, std::size_t window, std::size_t first,
                     std::size_t last) {
  if (first < window || last > z.size() || first >= last)
    throw loom::ValueError("sunspots: windows of " + std::to_string(window) + " years need targets in [" +
                           std::to_string(window) + ", " + std::to_string(z.size()) + "), received [" +
                           std::to_string(first) + ", " + std::to_string(last) + ")");
  const std::size_t n = last - first;
  Windows w{loom::Tensor<float>::empty({n, window, 1}), loom::Tensor<float>::empty({n, 1}), {}};
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t t = first + k;
    for (std::size_t j = 0; j < window; ++j) w.x.data()[k * window + j] = static_cast<float>(z[t - window + j]);
    w.y.data()[k] = static_cast<float>(z[t] - z[t - 1]);
    w.targets.push_back(t);
  }
  return w;
}

Windows select(const Windows& w, const std::vector<std::size_t>& rows) {
  const std::size_t window = w.x.dim(1), n = rows.size();
  Windows out{loom::Tensor<float>::empty({n, window, 1}), loom::Tensor<float>::empty({n, 1}), {}};
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t r = rows[k];
    for (std::size_t j = 0; j < window; ++j) out.x.data()[k * window + j] = w.x.data()[r * window + j];
    out.y.data()[k] = w.y.data()[r];
    out.targets.push_back(w.targets[r]);
  }
  return out;
}

Prepared prepare(const std::string& csv_path, std::size_t window, int last_train_year, std::size_t min_train) {
  Prepared p;
  p.series = load(csv_path);
  const auto& v = p.series.values;
  const std::size_t n = v.size();
  if (window == 0 || window >= n)
    throw loom::ValueError("sunspots: --window expected 1 to " + std::to_string(n - 1) + " years, received " +
                           std::to_string(window));
  while (p.n_train < n && p.series.years[p.n_train] <= last_train_year) ++p.n_train;
  if (p.n_train <= window + min_train || p.n_train == n)
    throw loom::ValueError("sunspots: --last-train-year " + std::to_string(last_train_year) +
                           " leaves too few training or test years");
  double mean = 0.0, var = 0.0;
  for (std::size_t i = 0; i < p.n_train; ++i) mean += v[i] / p.n_train;
  for (std::size_t i = 0; i < p.n_train; ++i) var += (v[i] - mean) * (v[i] - mean) / p.n_train;
  p.mean = mean;
  p.sd = std::sqrt(var);
  p.z.resize(n);
  for (std::size_t i = 0; i < n; ++i) p.z[i] = (v[i] - p.mean) / p.sd;
  // Test windows reach back into the training years; only the targets are new.
  p.test = make_windows(p.z, window, p.n_train, n);
  p.actual.assign(v.begin() + static_cast<std::ptrdiff_t>(p.n_train), v.end());
  return p;
}

void write_forecast_csv(const Prepared& data, const std::vector<double>& forecast, const std::string& path) {
  std::ofstream f(path);
  if (!f) throw loom::IOError("sunspots: cannot write '" + path + "'");
  f << "year,actual,forecast\n";
  f.precision(17);
  for (std::size_t i = 0; i < forecast.size(); ++i)
    f << data.series.years[data.test.targets[i]] << ',' << data.actual[i] << ',' << forecast[i] << '\n';
  if (!f.flush()) throw loom::IOError("sunspots: cannot write '" + path + "'");
}

std::vector<double> read_forecast_csv(const std::string& path) {
  const auto table = loom::read_csv<double>(path, {.columns = {std::string("forecast")}});
  return std::vector<double>(table.data.data(), table.data.data() + table.data.size());
}

double rmse(const std::vector<double>& predicted, const std::vector<double>& actual) {
  double s = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) s += (predicted[i] - actual[i]) * (predicted[i] - actual[i]);
  return std::sqrt(s / static_cast<double>(actual.size()));
}

std::vector<double> persistence(const std::vector<double>& v, std::size_t first, std::size_t last) {
  return {v.begin() + static_cast<long>(first) - 1, v.begin() + static_cast<long>(last) - 1};
}

std::vector<double> autoregression(const std::vector<double>& v, std::size_t p, std::size_t train_end,
                                   std::size_t first, std::size_t last) {
  // Normal equations (A^T A) c = A^T b with rows [1, v[t-1], ..., v[t-p]], solved by Gaussian
  // elimination with partial pivoting: p + 1 unknowns, so nothing more is needed.
  const std::size_t m = p + 1;
  std::vector<double> a(m * (m + 1), 0.0);  // augmented system, row-major
  auto row = [&](std::size_t t, std::vector<double>& r) {
    r[0] = 1.0;
    for (std::size_t j = 1; j <= p; ++j) r[j] = v[t - j];
  };
  std::vector<double> r(m);
  for (std::size_t t = p; t < train_end; ++t) {
    row(t, r);
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = 0; j < m; ++j) a[i * (m + 1) + j] += r[i] * r[j];
      a[i * (m + 1) + m] += r[i] * v[t];
    }
  }
  for (std::size_t c = 0; c < m; ++c) {
    std::size_t piv = c;
    for (std::size_t i = c + 1; i < m; ++i)
      if (std::fabs(a[i * (m + 1) + c]) > std::fabs(a[piv * (m + 1) + c])) piv = i;
    for (std::size_t j = 0; j <= m; ++j) std::swap(a[c * (m + 1) + j], a[piv * (m + 1) + j]);
    for (std::size_t i = 0; i < m; ++i) {
      if (i == c) continue;
      const double f = a[i * (m + 1) + c] / a[c * (m + 1) + c];
      for (std::size_t j = c; j <= m; ++j) a[i * (m + 1) + j] -= f * a[c * (m + 1) + j];
    }
  }
  std::vector<double> coef(m), out;
  for (std::size_t i = 0; i < m; ++i) coef[i] = a[i * (m + 1) + m] / a[i * (m + 1) + i];
  for (std::size_t t = first; t < last; ++t) {
    row(t, r);
    double y = 0.0;
    for (std::size_t i = 0; i < m; ++i) y += coef[i] * r[i];
    out.push_back(y);
  }
  return out;
}

}  // namespace sunspots
