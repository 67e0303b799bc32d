#include "train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/no_grad.hpp"
#include "core/errors.hpp"

namespace loom::metrics {
namespace {

Shape without_last(const Shape& s) {
  Shape r;
  for (std::size_t i = 0; i + 1 < s.rank(); ++i) r.push_back(s[i]);
  return r;
}

template <class T>
void check_defined(const std::string& metric, const char* arg, const Tensor<T>& t) {
  if (!t.defined())
    throw ValueError(metric + ": argument '" + arg + "' expected a defined tensor, received an undefined one");
}

// Keras's squeeze_or_expand_to_same_rank for (y_true, y_pred), then equal shapes. Returns the
// common shape; the data of both stay as they are (only a trailing 1 differs).
template <class T>
Shape common_shape(const std::string& metric, const Tensor<T>& y_true, const Tensor<T>& y_pred) {
  check_defined(metric, "y_true", y_true);
  check_defined(metric, "y_pred", y_pred);
  Shape a = y_true.shape(), b = y_pred.shape();
  if (a.rank() == b.rank() + 1 && a.rank() > 0 && a[a.rank() - 1] == 1) {
    if (b.rank() == 1) b.push_back(1); else a = without_last(a);
  } else if (b.rank() == a.rank() + 1 && b.rank() > 0 && b[b.rank() - 1] == 1) {
    if (a.rank() == 1) a.push_back(1); else b = without_last(b);
  }
  if (a != b)
    throw ShapeError(metric + ": y_true and y_pred expected the same shape, received y_true " +
                     y_true.shape().str() + " and y_pred " + y_pred.shape().str());
  return a;
}

std::size_t argmax(const double* p, std::size_t n, std::size_t stride) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < n; ++k)
    if (p[k * stride] > p[best * stride]) best = k;
  return best;
}

// Per-sample mean over the last axis of f(t, p).
template <class T, class F>
void last_axis_mean(const std::string& metric, const Tensor<T>& y_true, const Tensor<T>& y_pred,
                    std::vector<double>& out, Shape& shape, F f) {
  const Shape s = common_shape(metric, y_true, y_pred);
  if (s.rank() == 0)
    throw ShapeError(metric + ": y_pred expected rank >= 1 (the last axis is averaged), received shape ()");
  const std::size_t n = s[s.rank() - 1];
  shape = without_last(s);
  const std::size_t rows = shape.numel();
  out.assign(rows, 0.0);
  const T* t = y_true.data();
  const T* p = y_pred.data();
  for (std::size_t r = 0; r < rows; ++r) {
    double acc = 0.0;
    for (std::size_t k = 0; k < n; ++k)
      acc += f(static_cast<double>(t[r * n + k]), static_cast<double>(p[r * n + k]));
    out[r] = n == 0 ? 0.0 : acc / static_cast<double>(n);
  }
}

// Elementwise f(t, p) with the common shape.
template <class T, class F>
void elementwise(const std::string& metric, const Tensor<T>& y_true, const Tensor<T>& y_pred,
                 std::vector<double>& out, Shape& shape, F f) {
  shape = common_shape(metric, y_true, y_pred);
  out.resize(shape.numel());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = f(static_cast<double>(y_true.data()[i]), static_cast<double>(y_pred.data()[i]));
}

}  // namespace

template <class T>
void Mean<T>::update_state(const Tensor<T>& values, const Tensor<T>& sample_weight) {
  check_defined(name_, "values", values);
  std::vector<double> v(values.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(values.data()[i]);
  accumulate(v, values.shape(), sample_weight);
}

template <class T>
void Mean<T>::accumulate(const std::vector<double>& values, const Shape& shape_in,
                         const Tensor<T>& sample_weight) {
  NoGradGuard guard;
  Shape vs = shape_in;
  std::vector<double> v = values;
  if (!sample_weight.defined()) {
    if (vs.rank() == 0) {
      total_ += v.empty() ? 0.0 : v[0];
      count_ += 1.0;
      return;
    }
    // Sum of per-sample means: every element of a sample counts 1 / (elements per sample).
    const double per_sample = static_cast<double>(vs.numel() / std::max<std::size_t>(vs[0], 1));
    double s = 0.0;
    for (double x : v) s += x;
    total_ += per_sample == 0.0 ? 0.0 : s / per_sample;
    count_ += static_cast<double>(vs[0]);
    return;
  }
  // Keras 3's reduce_to_samplewise_values: squeeze or expand a trailing 1, average the values
  // over axes the weight lacks, then broadcast the weight to the values.
  Shape ws = sample_weight.shape();
  if (ws.rank() == vs.rank() + 1 && ws[ws.rank() - 1] == 1) ws = without_last(ws);
  else if (vs.rank() == ws.rank() + 1 && vs[vs.rank() - 1] == 1) vs = without_last(vs);
  if (vs.rank() > ws.rank()) {
    const std::size_t keep = Shape(vs.begin(), vs.begin() + ws.rank()).numel();
    const std::size_t inner = keep == 0 ? 0 : vs.numel() / keep;
    std::vector<double> r(keep, 0.0);
    for (std::size_t i = 0; i < keep; ++i) {
      for (std::size_t k = 0; k < inner; ++k) r[i] += v[i * inner + k];
      if (inner) r[i] /= static_cast<double>(inner);
    }
    v = std::move(r);
    vs = Shape(vs.begin(), vs.begin() + ws.rank());
  }
  bool ok = ws.rank() == vs.rank();
  for (std::size_t i = 0; ok && i < ws.rank(); ++i) ok = ws[i] == vs[i] || ws[i] == 1;
  if (!ok)
    throw ShapeError(name_ + ": sample_weight expected a shape that broadcasts to the values " +
                     shape_in.str() + ", received " + sample_weight.shape().str());
  // Walk the values with a row-major multi-index; the weight's offset skips broadcast axes.
  std::vector<std::size_t> wstride(ws.rank(), 0);
  for (std::size_t i = ws.rank(), st = 1; i-- > 0;) {
    wstride[i] = ws[i] == 1 ? 0 : st;
    st *= ws[i];
  }
  std::vector<std::size_t> idx(vs.rank(), 0);
  double sv = 0.0, sw = 0.0;
  const T* w = sample_weight.data();
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::size_t off = 0;
    for (std::size_t d = 0; d < idx.size(); ++d) off += idx[d] * wstride[d];
    const double wi = static_cast<double>(w[off]);
    sv += v[i] * wi;
    sw += wi;
    for (std::size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < vs[d]) break;
      idx[d] = 0;
    }
  }
  const double per_sample =
      vs.rank() == 0 ? 1.0 : static_cast<double>(vs.numel() / std::max<std::size_t>(vs[0], 1));
  if (per_sample == 0.0) return;
  total_ += sv / per_sample;
  count_ += sw / per_sample;
}

template <class T>
std::vector<double> Metric<T>::state() const {
  throw NotImplementedError("Metric '" + name_ + "' state: a metric that overrides state() and set_state() "
                            "expected (a data-parallel fit sums metric states over ranks), received one that "
                            "does not");
}

template <class T>
void Metric<T>::set_state(const std::vector<double>&) {
  throw NotImplementedError("Metric '" + name_ + "' set_state: a metric that overrides state() and set_state() "
                            "expected (a data-parallel fit sums metric states over ranks), received one that "
                            "does not");
}

template <class T>
void MeanMetricWrapper<T>::set_state(const std::vector<double>& state) {
  if (state.size() != 2)
    throw ValueError("Metric '" + this->name() + "' set_state: state expected 2 values (total, count), received " +
                     std::to_string(state.size()));
  mean_.set_state(state[0], state[1]);
}

template <class T>
void MeanMetricWrapper<T>::update_state(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                                        const Tensor<T>& sample_weight) {
  NoGradGuard guard;
  std::vector<double> v;
  Shape s;
  values(y_true, y_pred, v, s);
  mean_.accumulate(v, s, sample_weight);
}

template <class T>
void MeanSquaredError<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                                 Shape& s) const {
  last_axis_mean(this->name(), t, p, out, s, [](double a, double b) { return (b - a) * (b - a); });
}

template <class T>
void MeanAbsoluteError<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                                  Shape& s) const {
  last_axis_mean(this->name(), t, p, out, s, [](double a, double b) { return std::abs(b - a); });
}

template <class T>
void RootMeanSquaredError<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                                     Shape& s) const {
  elementwise(this->name(), t, p, out, s, [](double a, double b) { return (b - a) * (b - a); });
}

template <class T>
double RootMeanSquaredError<T>::result() const {
  return std::sqrt(MeanMetricWrapper<T>::result());
}

template <class T>
void Accuracy<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                         Shape& s) const {
  elementwise(this->name(), t, p, out, s, [](double a, double b) { return a == b ? 1.0 : 0.0; });
}

template <class T>
void BinaryAccuracy<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                               Shape& s) const {
  const double thr = threshold_;
  elementwise(this->name(), t, p, out, s,
              [thr](double a, double b) { return a == (b > thr ? 1.0 : 0.0) ? 1.0 : 0.0; });
}

template <class T>
void CategoricalAccuracy<T>::values(const Tensor<T>& t, const Tensor<T>& p, std::vector<double>& out,
                                    Shape& s) const {
  check_defined(this->name(), "y_true", t);
  check_defined(this->name(), "y_pred", p);
  if (t.shape() != p.shape() || p.rank() == 0)
    throw ShapeError(this->name() + ": y_true and y_pred expected the same shape (..., num_classes), "
                     "received y_true " + t.shape().str() + " and y_pred " + p.shape().str());
  const std::size_t n = p.dim(-1);
  s = without_last(p.shape());
  out.assign(s.numel(), 0.0);
  std::vector<double> a(n), b(n);
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::size_t k = 0; k < n; ++k) {
      a[k] = static_cast<double>(t.data()[r * n + k]);
      b[k] = static_cast<double>(p.data()[r * n + k]);
    }
    out[r] = n > 0 && argmax(a.data(), n, 1) == argmax(b.data(), n, 1) ? 1.0 : 0.0;
  }
}

template <class T>
void SparseCategoricalAccuracy<T>::values(const Tensor<T>& t, const Tensor<T>& p,
                                          std::vector<double>& out, Shape& s) const {
  check_defined(this->name(), "y_true", t);
  check_defined(this->name(), "y_pred", p);
  const Shape lead = p.rank() > 0 ? without_last(p.shape()) : Shape{};
  Shape with_one = lead;
  with_one.push_back(1);
  if (p.rank() == 0 || (t.shape() != lead && t.shape() != with_one))
    throw ShapeError(this->name() + ": y_true expected shape y_pred.shape[:-1] (class ids), received "
                     "y_true " + t.shape().str() + " and y_pred " + p.shape().str());
  const std::size_t n = p.dim(-1);
  s = lead;
  out.assign(s.numel(), 0.0);
  std::vector<double> b(n);
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::size_t k = 0; k < n; ++k) b[k] = static_cast<double>(p.data()[r * n + k]);
    const double id = static_cast<double>(t.data()[r]);
    out[r] = n > 0 && static_cast<double>(argmax(b.data(), n, 1)) == id ? 1.0 : 0.0;
  }
}

template <class T>
std::shared_ptr<Metric<T>> get(const std::string& id) {
  if (id == "mse" || id == "mean_squared_error") return std::make_shared<MeanSquaredError<T>>();
  if (id == "mae" || id == "mean_absolute_error") return std::make_shared<MeanAbsoluteError<T>>();
  if (id == "rmse" || id == "root_mean_squared_error") return std::make_shared<RootMeanSquaredError<T>>();
  if (id == "accuracy" || id == "acc") return std::make_shared<Accuracy<T>>();
  if (id == "binary_accuracy") return std::make_shared<BinaryAccuracy<T>>();
  if (id == "categorical_accuracy") return std::make_shared<CategoricalAccuracy<T>>();
  if (id == "sparse_categorical_accuracy") return std::make_shared<SparseCategoricalAccuracy<T>>();
  throw ValueError("metrics::get: identifier expected one of mse, mae, rmse, accuracy, binary_accuracy, "
                   "categorical_accuracy, sparse_categorical_accuracy, received '" + id + "'");
}

#define LOOM_INSTANTIATE_METRICS(T)              \
  template class Mean<T>;                        \
  template class Metric<T>;                      \
  template class MeanMetricWrapper<T>;           \
  template class MeanSquaredError<T>;            \
  template class MeanAbsoluteError<T>;           \
  template class RootMeanSquaredError<T>;        \
  template class Accuracy<T>;                    \
  template class BinaryAccuracy<T>;              \
  template class CategoricalAccuracy<T>;         \
  template class SparseCategoricalAccuracy<T>;   \
  template std::shared_ptr<Metric<T>> get<T>(const std::string&);
LOOM_INSTANTIATE_METRICS(float)
LOOM_INSTANTIATE_METRICS(double)
#undef LOOM_INSTANTIATE_METRICS

}  // namespace loom::metrics
