// Tape overhead: ns per recorded tiny op (a 4x4 add) and per backward of a small graph.
// Usage: tape_overhead [--iters N]. Prints one line per measurement; docs/benchmarks.md has results.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "loom.hpp"

namespace {
using Clock = std::chrono::steady_clock;

template <class Fn>
double median_ns_per(int reps, int inner, Fn&& fn) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    fn(inner);
    const auto t1 = Clock::now();
    t.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / inner);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  int iters = 20000;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--iters")) iters = std::atoi(argv[i + 1]);
  using namespace loom;
  auto a = Tensor<float>::ones({4, 4});
  auto b = Tensor<float>::ones({4, 4});

  const double plain = median_ns_per(15, iters, [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto c = add(a, b);
      if (c.data()[0] != 2.0f) std::abort();
    }
  });
  const double recorded = median_ns_per(15, iters, [&](int n) {
    GradientTape tape(true);
    tape.watch(a);
    for (int i = 0; i < n; ++i) {
      auto c = add(a, b);
      if (c.data()[0] != 2.0f) std::abort();
    }
  });
  // A small graph: 10 recorded ops (4x4), then one backward sweep.
  const double graph = median_ns_per(15, iters / 10, [&](int n) {
    for (int i = 0; i < n; ++i) {
      GradientTape tape;
      tape.watch(a);
      auto h = a;
      for (int k = 0; k < 5; ++k) h = mul(add(h, b), b);
      auto loss = sum(h);
      auto g = tape.gradient(loss, a);
      if (g.size() != 16) std::abort();
    }
  });
  std::printf("untaped 4x4 add:          %8.1f ns/op\n", plain);
  std::printf("recorded 4x4 add:         %8.1f ns/op\n", recorded);
  std::printf("small graph fwd+bwd:      %8.1f ns per graph (11 ops + sweep), %.1f ns/op\n", graph,
              graph / 11.0);
  return 0;
}
