#pragma once
// The sunspot series, its windows and the two classical baselines the GRU has to beat.
#include <cstddef>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace sunspots {

struct Series {
  std::vector<int> years;
  std::vector<double> values;  // yearly mean sunspot number
};

Series load(const std::string& csv_path);

// Windows for the targets at indices [first, last): x (n, window, 1) holds the `window` values
// before each target, z-scored; y (n, 1) holds the target minus the last value of its window
// (the change from the previous year), z-scored the same way. The model predicts the change, so
// adding the last value back gives the forecast.
struct Windows {
  loom::Tensor<float> x, y;
  std::vector<std::size_t> targets;  // index of each sample's target in the series
};
Windows make_windows(const std::vector<double>& z, std::size_t window, std::size_t first,
                     std::size_t last);
// The windows at the given rows (a fold of blocked cross-validation, or the rest).
Windows select(const Windows& w, const std::vector<std::size_t>& rows);

// The series split at last_train_year and z-scored with the training years' mean and std, with
// the test windows (the targets after last_train_year), as training and forecasting both use it.
struct Prepared {
  Series series;
  std::size_t n_train = 0;  // values[0, n_train) are the training years
  double mean = 0.0, sd = 1.0;
  std::vector<double> z;
  Windows test;
  std::vector<double> actual;  // the test targets' true values
  // The forecast for test row i from the model's predicted (z-scored) change.
  double forecast(std::size_t i, double change) const { return (z[test.targets[i] - 1] + change) * sd + mean; }
};
// Throws loom::ValueError when the split leaves fewer than min_train training years past the
// first window, or no test year.
Prepared prepare(const std::string& csv_path, std::size_t window, int last_train_year, std::size_t min_train);

// forecast.csv: year, actual, forecast of each test year, every value with 17 significant digits so
// that sunspots_forecast can compare its own forecasts bit for bit.
void write_forecast_csv(const Prepared& data, const std::vector<double>& forecast, const std::string& path);
std::vector<double> read_forecast_csv(const std::string& path);

double rmse(const std::vector<double>& predicted, const std::vector<double>& actual);

// Predictions for the targets at [first, last): the previous year's value.
std::vector<double> persistence(const std::vector<double>& v, std::size_t first, std::size_t last);
// AR(p) with an intercept, fitted by least squares on the targets at [p, train_end), then
// predicting the targets at [first, last) from the true previous values.
std::vector<double> autoregression(const std::vector<double>& v, std::size_t p, std::size_t train_end,
                                   std::size_t first, std::size_t last);

}  // namespace sunspots
