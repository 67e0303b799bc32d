#include "core/random.hpp"

#include <atomic>
#include <cmath>
#include <sstream>

#include "core/errors.hpp"

namespace loom {
namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Generator::manual_seed(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
  has_spare_ = false;
  spare_ = 0.0;
}

// xoshiro256** (Blackman & Vigna): small state, fast, and good enough statistically for ML.
std::uint64_t Generator::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Generator::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Generator::normal(double mean, double stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_;
  }
  // Marsaglia's polar method: exact, and two normals per accepted pair.
  double u, v, s;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * f;
  has_spare_ = true;
  return mean + stddev * u * f;
}

double Generator::truncated_normal(double mean, double stddev) {
  double z;
  do {
    z = normal();
  } while (std::fabs(z) > 2.0);
  return mean + stddev * z;
}

std::uint64_t Generator::randint(std::uint64_t n) {
  if (n == 0) throw ValueError("Generator::randint: n expected > 0, received 0");
  // Rejection removes modulo bias.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t r;
  do {
    r = next_u64();
  } while (r >= limit);
  return r % n;
}

std::string Generator::state() const {
  std::ostringstream os;
  os.precision(17);
  os << s_[0] << ' ' << s_[1] << ' ' << s_[2] << ' ' << s_[3] << ' ' << has_spare_ << ' '
     << std::hexfloat << spare_;
  return os.str();
}

void Generator::set_state(const std::string& str) {
  std::istringstream is(str);
  std::uint64_t s[4];
  bool spare_flag = false;
  std::string spare_text;
  is >> s[0] >> s[1] >> s[2] >> s[3] >> spare_flag >> spare_text;
  if (!is && !is.eof())
    throw ValueError("Generator::set_state: expected a state string from Generator::state(), "
                     "received '" + str.substr(0, 80) + "'");
  double spare = 0.0;
  try {
    spare = std::stod(spare_text);
  } catch (...) {
    throw ValueError("Generator::set_state: expected a state string from Generator::state(), "
                     "received '" + str.substr(0, 80) + "'");
  }
  // xoshiro256** never leaves the all-zero state once in it (every draw is 0, and rejection
  // loops such as the truncated normal's never end), and a non-finite spare normal would hand out
  // nan: a state() string never holds either, so one that does is refused.
  if ((s[0] | s[1] | s[2] | s[3]) == 0)
    throw ValueError("Generator::set_state: argument 'state' expected a nonzero xoshiro256** state, received "
                     "four zero words");
  if (spare_flag && !std::isfinite(spare))
    throw ValueError("Generator::set_state: argument 'state' expected a finite spare normal, received " +
                     spare_text.substr(0, 40));
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = spare_flag;
  spare_ = spare;
}

namespace {
std::atomic<std::uint64_t> g_process_seed{0};
}  // namespace

Generator& default_generator() {
  thread_local Generator g(g_process_seed.load(std::memory_order_relaxed));
  return g;
}

void set_seed(std::uint64_t seed) {
  g_process_seed.store(seed, std::memory_order_relaxed);
  default_generator().manual_seed(seed);
}

namespace random {
template <class T>
Tensor<T> uniform(const Shape& shape, double low, double high, Generator& g) {
  auto t = Tensor<T>::empty(shape);
  T* p = t.data();
  for (std::size_t i = 0, n = t.size(); i < n; ++i) p[i] = static_cast<T>(g.uniform(low, high));
  return t;
}
template <class T>
Tensor<T> normal(const Shape& shape, double mean, double stddev, Generator& g) {
  auto t = Tensor<T>::empty(shape);
  T* p = t.data();
  for (std::size_t i = 0, n = t.size(); i < n; ++i) p[i] = static_cast<T>(g.normal(mean, stddev));
  return t;
}
template <class T>
Tensor<T> truncated_normal(const Shape& shape, double mean, double stddev, Generator& g) {
  auto t = Tensor<T>::empty(shape);
  T* p = t.data();
  for (std::size_t i = 0, n = t.size(); i < n; ++i)
    p[i] = static_cast<T>(g.truncated_normal(mean, stddev));
  return t;
}
template Tensor<float> uniform(const Shape&, double, double, Generator&);
template Tensor<double> uniform(const Shape&, double, double, Generator&);
template Tensor<float> normal(const Shape&, double, double, Generator&);
template Tensor<double> normal(const Shape&, double, double, Generator&);
template Tensor<float> truncated_normal(const Shape&, double, double, Generator&);
template Tensor<double> truncated_normal(const Shape&, double, double, Generator&);
}  // namespace random

}  // namespace loom
