#include "train/data/windows.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"

namespace loom {
namespace {

// (time, features) view of a (time,) or (time, features) series.
template <class T>
Tensor<T> as_matrix(const char* fn, const Tensor<T>& s) {
  if (!s.defined())
    throw ValueError(std::string(fn) + ": argument 'series' expected a defined tensor, received an undefined one");
  if (s.rank() == 1) return s.view_as(Shape{s.dim(0), 1});
  if (s.rank() == 2) return s;
  throw ShapeError(std::string(fn) + ": series expected shape (time,) or (time, features), received " +
                   s.shape().str());
}

}  // namespace

template <class T>
Windows<T> make_windows(const Tensor<T>& series, const WindowOptions& o) {
  const Tensor<T> s = as_matrix("make_windows", series);
  const std::size_t time = s.dim(0), feats = s.dim(1);
  if (o.window == 0 || o.horizon == 0 || o.stride == 0)
    throw ValueError("make_windows: window, horizon and stride expected >= 1, received window=" +
                     std::to_string(o.window) + ", horizon=" + std::to_string(o.horizon) +
                     ", stride=" + std::to_string(o.stride));
  if (time < o.window + o.horizon)
    throw ValueError("make_windows: series expected at least window + horizon = " +
                     std::to_string(o.window + o.horizon) + " timesteps, received " + std::to_string(time));
  std::vector<std::size_t> targets = o.target_columns;
  if (targets.empty())
    for (std::size_t f = 0; f < feats; ++f) targets.push_back(f);
  for (std::size_t t : targets)
    if (t >= feats)
      throw IndexError("make_windows: target column expected < " + std::to_string(feats) +
                       " (the number of features), received " + std::to_string(t));
  const std::size_t n = (time - o.window - o.horizon) / o.stride + 1;
  Windows<T> w;
  w.x = Tensor<T>::empty(Shape{n, o.window, feats});
  w.y = Tensor<T>::empty(Shape{n, o.horizon * targets.size()});
  const T* sp = s.data();
  T* xp = w.x.data();
  T* yp = w.y.data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t start = i * o.stride;
    for (std::size_t k = 0; k < o.window * feats; ++k) *xp++ = sp[start * feats + k];
    for (std::size_t h = 0; h < o.horizon; ++h)
      for (std::size_t t : targets) *yp++ = sp[(start + o.window + h) * feats + t];
  }
  return w;
}

template <class T>
Normalizer<T>::Normalizer(std::vector<double> mean, std::vector<double> std)
    : mean_(std::move(mean)), std_(std::move(std)) {
  if (mean_.size() != std_.size())
    throw ValueError("Normalizer: mean and std expected the same length, received " +
                     std::to_string(mean_.size()) + " and " + std::to_string(std_.size()));
  for (double s : std_)
    if (!(s > 0.0)) throw ValueError("Normalizer: std expected > 0, received " + std::to_string(s));
}

template <class T>
void Normalizer<T>::fit(const Tensor<T>& data) {
  if (!data.defined() || data.rank() == 0 || data.size() == 0)
    throw ValueError("Normalizer::fit: data expected a non-empty tensor of rank >= 1, received " +
                     (data.defined() ? data.shape().str() : std::string("an undefined tensor")));
  const std::size_t f = data.dim(-1), rows = data.size() / f;
  std::vector<double> m(f, 0.0), v(f, 0.0);
  const T* p = data.data();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < f; ++k) m[k] += static_cast<double>(p[r * f + k]);
  for (double& x : m) x /= static_cast<double>(rows);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < f; ++k) {
      const double d = static_cast<double>(p[r * f + k]) - m[k];
      v[k] += d * d;
    }
  for (std::size_t k = 0; k < f; ++k) {
    const double s = std::sqrt(v[k] / static_cast<double>(rows));
    v[k] = s > 0.0 ? s : 1.0;
  }
  mean_ = std::move(m);
  std_ = std::move(v);
}

template <class T>
void Normalizer<T>::check(const char* fn, const Tensor<T>& x) const {
  if (!fitted())
    throw ValueError(std::string("Normalizer::") + fn + ": expected a fitted normalizer (call fit first)");
  if (!x.defined() || x.rank() == 0 || x.dim(-1) != mean_.size())
    throw ShapeError(std::string("Normalizer::") + fn + ": x expected " + std::to_string(mean_.size()) +
                     " features on its last axis, received shape " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
}

template <class T>
Tensor<T> Normalizer<T>::transform(const Tensor<T>& x) const {
  check("transform", x);
  auto out = Tensor<T>::empty(x.shape());
  const std::size_t f = mean_.size();
  for (std::size_t i = 0; i < x.size(); ++i)
    out.data()[i] = static_cast<T>((static_cast<double>(x.data()[i]) - mean_[i % f]) / std_[i % f]);
  return out;
}

template <class T>
Tensor<T> Normalizer<T>::inverse_transform(const Tensor<T>& x) const {
  check("inverse_transform", x);
  auto out = Tensor<T>::empty(x.shape());
  const std::size_t f = mean_.size();
  for (std::size_t i = 0; i < x.size(); ++i)
    out.data()[i] = static_cast<T>(static_cast<double>(x.data()[i]) * std_[i % f] + mean_[i % f]);
  return out;
}

template <class T>
SeriesSplit<T> split_series(const Tensor<T>& series, const WindowOptions& o, double train_fraction) {
  const Tensor<T> s = as_matrix("split_series", series);
  if (!(train_fraction > 0.0 && train_fraction < 1.0))
    throw ValueError("split_series: train_fraction expected in (0, 1), received " + std::to_string(train_fraction));
  const std::size_t time = s.dim(0), feats = s.dim(1);
  const auto cut = static_cast<std::size_t>(std::llround(train_fraction * static_cast<double>(time)));
  auto part = [&](std::size_t b, std::size_t e) {
    return Tensor<T>(Shape{e - b, feats}, s.data() + b * feats);
  };
  const Tensor<T> train = part(0, cut), test = part(cut, time);
  SeriesSplit<T> r;
  r.normalizer.fit(train);
  r.train = make_windows(r.normalizer.transform(train), o);
  r.test = make_windows(r.normalizer.transform(test), o);
  return r;
}

template struct Windows<float>;
template struct Windows<double>;
template Windows<float> make_windows(const Tensor<float>&, const WindowOptions&);
template Windows<double> make_windows(const Tensor<double>&, const WindowOptions&);
template class Normalizer<float>;
template class Normalizer<double>;
template struct SeriesSplit<float>;
template struct SeriesSplit<double>;
template SeriesSplit<float> split_series(const Tensor<float>&, const WindowOptions&, double);
template SeriesSplit<double> split_series(const Tensor<double>&, const WindowOptions&, double);

}  // namespace loom
