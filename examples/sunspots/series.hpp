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

double rmse(const std::vector<double>& predicted, const std::vector<double>& actual);

// Predictions for the targets at [first, last): the previous year's value.
std::vector<double> persistence(const std::vector<double>& v, std::size_t first, std::size_t last);
// AR(p) with an intercept, fitted by least squares on the targets at [p, train_end), then
// predicting the targets at [first, last) from the true previous values.
std::vector<double> autoregression(const std::vector<double>& v, std::size_t p, std::size_t train_end,
                                   std::size_t first, std::size_t last);

}  // namespace sunspots
