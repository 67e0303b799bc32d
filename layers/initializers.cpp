#include "layers/initializers.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <type_traits>

// xlinalg.hpp clashes with <cblas.h> in one translation unit (docs/design.md "Measured costs"), so this file uses
// only xtensor-blas (for the QR of Orthogonal) and never core/blas.hpp.
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xarray.hpp>

#include "core/errors.hpp"
#include "core/checks.hpp"

namespace loom {

Initializer::~Initializer() = default;

template <class T>
Tensor<T> Initializer::make(const Shape& shape, Generator& g) const {
  // Both buffers come from Tensor's allocator, whose failure is a RuntimeError naming the shape
  // (a std::vector's would be a bare std::bad_alloc, and under AddressSanitizer an abort). fill()
  // receives zeros, as it always has, so an initializer may write only what it sets.
  auto t = std::is_same_v<T, double> ? Tensor<T>::zeros(shape) : Tensor<T>::empty(shape);
  if constexpr (std::is_same_v<T, double>) {
    fill(t.data(), shape, g);
  } else {
    auto buf = Tensor<double>::zeros(shape);
    fill(buf.data(), shape, g);
    T* p = t.data();
    const double* b = buf.data();
    for (std::size_t i = 0, n = t.size(); i < n; ++i) p[i] = static_cast<T>(b[i]);
  }
  return t;
}

template <class T>
Tensor<T> Initializer::make(const Shape& shape) const {
  if (seed) {
    Generator g(*seed);
    return make<T>(shape, g);
  }
  return make<T>(shape, default_generator());
}

template Tensor<float> Initializer::make<float>(const Shape&) const;
template Tensor<double> Initializer::make<double>(const Shape&) const;
template Tensor<float> Initializer::make<float>(const Shape&, Generator&) const;
template Tensor<double> Initializer::make<double>(const Shape&, Generator&) const;

Fans compute_fans(const Shape& shape) {
  Fans f;
  const std::size_t r = shape.rank();
  if (r == 0) return f;
  if (r == 1) {
    f.fan_in = f.fan_out = static_cast<double>(shape[0]);
  } else if (r == 2) {
    f.fan_in = static_cast<double>(shape[0]);
    f.fan_out = static_cast<double>(shape[1]);
  } else {
    double receptive = 1.0;
    for (std::size_t i = 0; i + 2 < r; ++i) receptive *= static_cast<double>(shape[i]);
    f.fan_in = static_cast<double>(shape[r - 2]) * receptive;
    f.fan_out = static_cast<double>(shape[r - 1]) * receptive;
  }
  return f;
}

namespace {
std::string num(double v) { return check::number(v); }
double finite_mean(const char* who, double mean) {
  if (!std::isfinite(mean)) check::fail(who, "mean", "a finite number", check::number(mean));
  return mean;
}
std::string seed_str(const std::optional<std::uint64_t>& seed) {
  return seed ? std::to_string(*seed) : std::string("None");
}
}  // namespace

void Zeros::fill(double* out, const Shape& shape, Generator&) const {
  std::fill(out, out + shape.numel(), 0.0);
}
void Ones::fill(double* out, const Shape& shape, Generator&) const {
  std::fill(out, out + shape.numel(), 1.0);
}
void Constant::fill(double* out, const Shape& shape, Generator&) const {
  std::fill(out, out + shape.numel(), value);
}
std::string Constant::repr() const { return "Constant(value=" + num(value) + ")"; }

// A non-finite mean or a negative or non-finite stddev would fill weights with nan.
RandomNormal::RandomNormal(double mean, double stddev, std::optional<std::uint64_t> s)
    : mean(finite_mean("RandomNormal", mean)), stddev(check::non_negative("RandomNormal", "stddev", stddev)) {
  seed = s;
}
void RandomNormal::fill(double* out, const Shape& shape, Generator& g) const {
  for (std::size_t i = 0, n = shape.numel(); i < n; ++i) out[i] = g.normal(mean, stddev);
}
std::string RandomNormal::repr() const {
  return "RandomNormal(mean=" + num(mean) + ", stddev=" + num(stddev) + ", seed=" + seed_str(seed) + ")";
}

RandomUniform::RandomUniform(double minval, double maxval, std::optional<std::uint64_t> s)
    : minval(minval), maxval(maxval) {
  if (!std::isfinite(minval)) check::fail("RandomUniform", "minval", "a finite number", check::number(minval));
  if (!std::isfinite(maxval) || maxval < minval)
    check::fail("RandomUniform", "maxval", "a finite number >= minval (" + check::number(minval) + ")",
                check::number(maxval));
  seed = s;
}
void RandomUniform::fill(double* out, const Shape& shape, Generator& g) const {
  for (std::size_t i = 0, n = shape.numel(); i < n; ++i) out[i] = g.uniform(minval, maxval);
}
std::string RandomUniform::repr() const {
  return "RandomUniform(minval=" + num(minval) + ", maxval=" + num(maxval) + ", seed=" + seed_str(seed) + ")";
}

TruncatedNormal::TruncatedNormal(double mean, double stddev, std::optional<std::uint64_t> s)
    : mean(finite_mean("TruncatedNormal", mean)),
      stddev(check::non_negative("TruncatedNormal", "stddev", stddev)) {
  seed = s;
}
void TruncatedNormal::fill(double* out, const Shape& shape, Generator& g) const {
  for (std::size_t i = 0, n = shape.numel(); i < n; ++i) out[i] = g.truncated_normal(mean, stddev);
}
std::string TruncatedNormal::repr() const {
  return "TruncatedNormal(mean=" + num(mean) + ", stddev=" + num(stddev) + ", seed=" + seed_str(seed) + ")";
}

VarianceScaling::VarianceScaling(double scale, std::string mode, std::string distribution,
                                 std::optional<std::uint64_t> s)
    : scale(scale), mode(std::move(mode)), distribution(std::move(distribution)) {
  seed = s;
  if (!(scale > 0.0) || !std::isfinite(scale))
    throw ValueError("VarianceScaling: argument 'scale' expected a positive finite number, received " +
                     num(scale));
  if (this->mode != "fan_in" && this->mode != "fan_out" && this->mode != "fan_avg")
    throw ValueError("VarianceScaling: argument 'mode' expected one of fan_in, fan_out, fan_avg, "
                     "received '" + this->mode + "'");
  if (this->distribution == "normal") this->distribution = "truncated_normal";
  if (this->distribution != "truncated_normal" && this->distribution != "untruncated_normal" &&
      this->distribution != "uniform")
    throw ValueError("VarianceScaling: argument 'distribution' expected one of truncated_normal, "
                     "untruncated_normal, uniform, received '" + this->distribution + "'");
}
void VarianceScaling::fill(double* out, const Shape& shape, Generator& g) const {
  const Fans f = compute_fans(shape);
  double s = scale;
  if (mode == "fan_in")
    s /= std::max(1.0, f.fan_in);
  else if (mode == "fan_out")
    s /= std::max(1.0, f.fan_out);
  else
    s /= std::max(1.0, (f.fan_in + f.fan_out) / 2.0);
  const std::size_t n = shape.numel();
  if (distribution == "truncated_normal") {
    // The stddev of a unit normal truncated to [-2, 2]; dividing by it restores the variance.
    const double stddev = std::sqrt(s) / 0.87962566103423978;
    for (std::size_t i = 0; i < n; ++i) out[i] = g.truncated_normal(0.0, stddev);
  } else if (distribution == "untruncated_normal") {
    const double stddev = std::sqrt(s);
    for (std::size_t i = 0; i < n; ++i) out[i] = g.normal(0.0, stddev);
  } else {
    const double limit = std::sqrt(3.0 * s);
    for (std::size_t i = 0; i < n; ++i) out[i] = g.uniform(-limit, limit);
  }
}
std::string VarianceScaling::repr() const {
  return "VarianceScaling(scale=" + num(scale) + ", mode=" + mode + ", distribution=" + distribution +
         ", seed=" + seed_str(seed) + ")";
}

GlorotUniform::GlorotUniform(std::optional<std::uint64_t> s) : VarianceScaling(1.0, "fan_avg", "uniform", s) {}
GlorotNormal::GlorotNormal(std::optional<std::uint64_t> s)
    : VarianceScaling(1.0, "fan_avg", "truncated_normal", s) {}
HeNormal::HeNormal(std::optional<std::uint64_t> s) : VarianceScaling(2.0, "fan_in", "truncated_normal", s) {}
HeUniform::HeUniform(std::optional<std::uint64_t> s) : VarianceScaling(2.0, "fan_in", "uniform", s) {}
LecunNormal::LecunNormal(std::optional<std::uint64_t> s) : VarianceScaling(1.0, "fan_in", "truncated_normal", s) {}
LecunUniform::LecunUniform(std::optional<std::uint64_t> s) : VarianceScaling(1.0, "fan_in", "uniform", s) {}

void Identity::fill(double* out, const Shape& shape, Generator&) const {
  if (shape.rank() != 2)
    throw ValueError("Identity initializer: shape expected rank 2, received " + shape.str() + " (rank " +
                     std::to_string(shape.rank()) + ")");
  const std::size_t r = shape[0], c = shape[1];
  std::fill(out, out + r * c, 0.0);
  for (std::size_t i = 0; i < std::min(r, c); ++i) out[i * c + i] = gain;
}
std::string Identity::repr() const { return "Identity(gain=" + num(gain) + ")"; }

Orthogonal::Orthogonal(double gain, std::optional<std::uint64_t> s) : gain(gain) { seed = s; }
void Orthogonal::fill(double* out, const Shape& shape, Generator& g) const {
  if (shape.rank() < 2)
    throw ValueError("Orthogonal initializer: shape expected rank >= 2, received " + shape.str() +
                     " (rank " + std::to_string(shape.rank()) + ")");
  const std::size_t cols = shape[shape.rank() - 1];
  const std::size_t rows = shape.numel() / std::max<std::size_t>(cols, 1);
  if (rows == 0 || cols == 0) return;
  const std::size_t m = std::max(rows, cols), k = std::min(rows, cols);
  xt::xarray<double> a(std::vector<std::size_t>{m, k});
  for (std::size_t i = 0; i < m * k; ++i) a.data()[i] = g.normal(0.0, 1.0);
  auto [q, r] = xt::linalg::qr(a, xt::linalg::qrmode::reduced);
  // Multiplying column j by sign(R_jj) makes the factorisation unique, so Q is uniformly
  // distributed (Keras does the same; sign(0) = 0 is a measure-zero event).
  for (std::size_t j = 0; j < k; ++j) {
    const double d = r(j, j);
    const double s = d > 0.0 ? 1.0 : (d < 0.0 ? -1.0 : 0.0);
    for (std::size_t i = 0; i < m; ++i) q(i, j) *= s;
  }
  // q is (m, k); the result is (rows, cols): q itself when rows >= cols, else q transposed.
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      out[i * cols + j] = gain * (rows >= cols ? q(i, j) : q(j, i));
}
std::string Orthogonal::repr() const {
  return "Orthogonal(gain=" + num(gain) + ", seed=" + seed_str(seed) + ")";
}

namespace {
using Factory = InitializerPtr (*)();
const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> f = {
      {"zeros", [] { return InitializerPtr(std::make_shared<Zeros>()); }},
      {"ones", [] { return InitializerPtr(std::make_shared<Ones>()); }},
      {"constant", [] { return InitializerPtr(std::make_shared<Constant>()); }},
      {"random_normal", [] { return InitializerPtr(std::make_shared<RandomNormal>()); }},
      {"random_uniform", [] { return InitializerPtr(std::make_shared<RandomUniform>()); }},
      {"truncated_normal", [] { return InitializerPtr(std::make_shared<TruncatedNormal>()); }},
      {"variance_scaling", [] { return InitializerPtr(std::make_shared<VarianceScaling>()); }},
      {"glorot_uniform", [] { return InitializerPtr(std::make_shared<GlorotUniform>()); }},
      {"glorot_normal", [] { return InitializerPtr(std::make_shared<GlorotNormal>()); }},
      {"he_normal", [] { return InitializerPtr(std::make_shared<HeNormal>()); }},
      {"he_uniform", [] { return InitializerPtr(std::make_shared<HeUniform>()); }},
      {"lecun_normal", [] { return InitializerPtr(std::make_shared<LecunNormal>()); }},
      {"lecun_uniform", [] { return InitializerPtr(std::make_shared<LecunUniform>()); }},
      {"identity", [] { return InitializerPtr(std::make_shared<Identity>()); }},
      {"orthogonal", [] { return InitializerPtr(std::make_shared<Orthogonal>()); }},
      {"uniform", [] { return InitializerPtr(std::make_shared<RandomUniform>()); }},
      {"normal", [] { return InitializerPtr(std::make_shared<RandomNormal>()); }},
  };
  return f;
}

// "GlorotUniform" -> "glorot_uniform"; snake_case passes through.
std::string snake(const std::string& id) {
  std::string s;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0 && id[i - 1] != '_') s += '_';
      s += static_cast<char>(c - 'A' + 'a');
    } else {
      s += c;
    }
  }
  return s;
}
}  // namespace

const std::vector<std::string>& initializer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [k, f] : factories()) n.push_back(k);
    return n;
  }();
  return names;
}

InitializerPtr get_initializer(const std::string& id) {
  const std::string key = snake(id);
  for (const auto& [k, f] : factories())
    if (k == key) return f();
  std::string valid;
  for (const auto& n : initializer_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ValueError("get_initializer: unknown initializer identifier '" + id + "'; expected one of " +
                   valid);
}

InitializerArg::InitializerArg(const char* id)
    : ptr(id ? get_initializer(id)
             : throw ValueError("InitializerArg: expected an initializer identifier, received a null "
                                "string")) {}
InitializerArg::InitializerArg(const std::string& id) : ptr(get_initializer(id)) {}
InitializerArg::InitializerArg(InitializerPtr p) : ptr(std::move(p)) {
  if (!ptr)
    throw ValueError("InitializerArg: expected an initializer, received a null pointer");
}

}  // namespace loom
