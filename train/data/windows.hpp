#pragma once
// Sliding windows over a time series, and a z-score Normalizer fitted on training data only.
//
//   auto split = split_series(series, {.window = 24, .horizon = 1}, 0.8);
//   // split.train.x: (n, 24, features), normalised with the first 80 % of the series' statistics
#include <cstddef>
#include <vector>

#include "core/tensor.hpp"

namespace loom {

struct WindowOptions {
  std::size_t window = 1;   // input timesteps per sample
  std::size_t horizon = 1;  // future timesteps to predict
  std::size_t stride = 1;   // timesteps between the starts of consecutive windows
  // Feature columns that make the targets; empty means every feature.
  std::vector<std::size_t> target_columns;
};

template <class T = float>
struct Windows {
  Tensor<T> x;  // (n, window, features)
  Tensor<T> y;  // (n, horizon * targets): the horizon steps after each window, row-major
};

// series is (time,) or (time, features). Window i covers steps [i*stride, i*stride + window) and
// its targets the next `horizon` steps. Throws ValueError when the series is shorter than
// window + horizon, and IndexError for a target column out of range.
template <class T = float>
Windows<T> make_windows(const Tensor<T>& series, const WindowOptions& options);

// Per-feature (last axis) z-score: (x - mean) / std, population std; a constant feature gets
// std 1 so that it maps to 0 instead of dividing by zero.
template <class T = float>
class Normalizer {
 public:
  Normalizer() = default;
  // A normalizer with known statistics (from a saved model).
  Normalizer(std::vector<double> mean, std::vector<double> std);

  // Statistics over every axis but the last.
  void fit(const Tensor<T>& data);
  Tensor<T> transform(const Tensor<T>& x) const;
  Tensor<T> inverse_transform(const Tensor<T>& x) const;
  bool fitted() const { return !mean_.empty(); }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }

 private:
  void check(const char* fn, const Tensor<T>& x) const;
  std::vector<double> mean_, std_;
};

template <class T = float>
struct SeriesSplit {
  Windows<T> train, test;
  Normalizer<T> normalizer;  // fitted on the training part only
};

// Splits a series in time at round(train_fraction * time), fits the normalizer on the training
// part alone, normalises both parts with it, and cuts each part into windows (no window spans
// the split). Target columns are normalised too; invert them with normalizer.inverse_transform
// on the matching features.
template <class T = float>
SeriesSplit<T> split_series(const Tensor<T>& series, const WindowOptions& options, double train_fraction);

extern template struct Windows<float>;
extern template struct Windows<double>;
extern template Windows<float> make_windows(const Tensor<float>&, const WindowOptions&);
extern template Windows<double> make_windows(const Tensor<double>&, const WindowOptions&);
extern template class Normalizer<float>;
extern template class Normalizer<double>;
extern template struct SeriesSplit<float>;
extern template struct SeriesSplit<double>;
extern template SeriesSplit<float> split_series(const Tensor<float>&, const WindowOptions&, double);
extern template SeriesSplit<double> split_series(const Tensor<double>&, const WindowOptions&, double);

}  // namespace loom
