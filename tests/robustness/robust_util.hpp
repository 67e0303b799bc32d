#pragma once
// Shared pieces of the robustness tests: an exact-type variant of throws_with, temporary
// folders with listings (to prove that a failure leaves no partial file), byte-level file damage,
// and a small regression model with fixed layer names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <typeinfo>
#include <unistd.h>
#include <vector>

#include "test_util.hpp"

namespace loom::testing {

// throws_with, but the exception's dynamic type must be E itself: ValueError does not accept a
// ShapeError, so every case pins down the exact type a caller can catch.
template <class E, class Fn>
::testing::AssertionResult throws_exactly(Fn&& fn, std::initializer_list<std::string> words) {
  try {
    fn();
  } catch (const std::exception& e) {
    if (typeid(e) != typeid(E))
      return ::testing::AssertionFailure() << "threw " << typeid(e).name() << " instead of " << typeid(E).name()
                                           << ": " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw something that is not a std::exception";
  }
  return throws_with<E>(fn, words);
}

namespace fs = std::filesystem;

// A fresh empty folder (unique per process and tag), removed by the caller or left in TMPDIR.
inline std::string fresh_dir(const std::string& tag) {
  std::string tmpl = (fs::temp_directory_path() / ("loom_robust_" + tag + "_XXXXXX")).string();
  char* p = ::mkdtemp(tmpl.data());
  if (!p) throw std::runtime_error("mkdtemp failed for " + tmpl);
  return p;
}

// Every entry of a folder, hidden ones (temporary files start with '.') included, sorted.
inline std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Dense(8, tanh) -> Dense(1) with layer names <prefix>_hidden and <prefix>_out, built for 4 features.
inline std::shared_ptr<Sequential<float>> small_mlp(const std::string& prefix, std::uint64_t seed,
                                                    long hidden = 8) {
  set_seed(seed);
  auto m = std::make_shared<Sequential<float>>(prefix);
  m->add(std::make_shared<Dense<float>>(hidden, DenseOptions{.activation = "tanh", .name = prefix + "_hidden"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = prefix + "_out"}));
  m->build(Shape{1, 4});
  return m;
}

// n samples of y = x0 - 2 x1 + 0.5 x2 + 3 x3 + 0.5 with x ~ U(-1, 1).
inline std::pair<Tensor<float>, Tensor<float>> linear_data(std::size_t n, std::uint64_t seed) {
  Generator g(seed);
  auto x = Tensor<float>::empty(Shape{n, 4});
  auto y = Tensor<float>::empty(Shape{n, 1});
  const float w[4] = {1.0f, -2.0f, 0.5f, 3.0f};
  for (std::size_t i = 0; i < n; ++i) {
    float acc = 0.5f;
    for (std::size_t j = 0; j < 4; ++j) {
      const float v = static_cast<float>(g.uniform(-1.0, 1.0));
      x.data()[i * 4 + j] = v;
      acc += w[j] * v;
    }
    y.data()[i] = acc;
  }
  return {x, y};
}

inline bool same_bits(const std::vector<xt::xarray<float>>& a, const std::vector<xt::xarray<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].shape() != b[i].shape()) return false;
    if (std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0) return false;
  }
  return true;
}

}  // namespace loom::testing
