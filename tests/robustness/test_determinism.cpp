// Determinism: the same seed gives bit-identical weights after training, through fit (shuffling,
// dropout, validation) and through a hand-written GradientTape loop. OpenBLAS is reproducible for
// a fixed thread count; 1 thread against 2 is measured and bounded here (not bit-identical for
// every shape), and the figures are in docs/reliability.md.
#include <gtest/gtest.h>

#include <cstring>

#include "robust_util.hpp"

using namespace loom;
using namespace loom::testing;
using F = Tensor<float>;

namespace {

F uniform(const Shape& s, std::uint64_t seed) {
  Generator g(seed);
  auto t = F::empty(s);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(g.uniform(-1.0, 1.0));
  return t;
}

// GRU(units, dropout and recurrent dropout) -> Dense(1), trained by fit with shuffling.
std::vector<xt::xarray<float>> fit_run(std::uint64_t seed, std::size_t units, std::size_t batch, int epochs) {
  set_seed(seed);
  auto m = std::make_shared<Sequential<float>>("det");
  m->add(std::make_shared<GRU<float>>(static_cast<long>(units), GRUCellOptions{.dropout = 0.2, .recurrent_dropout = 0.1},RNNOptions{.name = "det_gru"}));
  m->add(std::make_shared<Dropout<float>>(0.1, DropoutOptions{.name = "det_drop"}));
  m->add(std::make_shared<Dense<float>>(1, DenseOptions{.name = "det_out"}));
  m->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = 0.01}), "mse");
  const F x = uniform(Shape{4 * batch, 5, 16}, 11), y = uniform(Shape{4 * batch, 1}, 12);
  m->fit(x, y, {.epochs = static_cast<std::size_t>(epochs), .batch_size = batch, .seed = seed,
                .validation_split = 0.25, .verbose = 0});
  return m->get_weights();
}

// The same kind of model trained by a GradientTape loop with the fused GRU path off.
std::vector<xt::xarray<float>> tape_run(std::uint64_t seed) {
  set_seed(seed);
  GRU<float> gru(6, {.dropout = 0.3}, {.use_fused = false, .name = "tape_gru"});
  Dense<float> out(1, {.name = "tape_out"});
  optimizers::SGD<float> sgd({.learning_rate = 0.05, .momentum = 0.9});
  const F x = uniform(Shape{8, 4, 3}, 21), y = uniform(Shape{8, 1}, 22);
  for (int step = 0; step < 30; ++step) {
    GradientTape tape;
    const F loss = losses::mse(y, out(gru(x, true), true));
    auto vars = gru.trainable_weights();
    for (auto& v : out.trainable_weights()) vars.push_back(v);
    sgd.apply_gradients(tape.gradient(loss, vars), vars);
  }
  auto w = gru.get_weights();
  for (auto& v : out.get_weights()) w.push_back(v);
  return w;
}

std::size_t differing(const std::vector<xt::xarray<float>>& a, const std::vector<xt::xarray<float>>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t k = 0; k < a[i].size(); ++k)
      if (std::memcmp(&a[i].data()[k], &b[i].data()[k], sizeof(float)) != 0) ++n;
  return n;
}

struct BlasThreads {
  int saved = blas::num_threads();
  explicit BlasThreads(int n) { blas::set_num_threads(n); }
  ~BlasThreads() { blas::set_num_threads(saved); }
};

}  // namespace

TEST(Determinism, SameSeedSameBitsThroughFit) {
  const auto a = fit_run(42, 8, 16, 3);
  const auto b = fit_run(42, 8, 16, 3);
  const auto c = fit_run(43, 8, 16, 3);
  EXPECT_TRUE(same_bits(a, b)) << differing(a, b) << " weight elements differ between two runs with seed 42";
  // The seed matters: otherwise "bit-identical" would hold for a model that ignores it.
  EXPECT_FALSE(same_bits(a, c));
}

TEST(Determinism, SameSeedSameBitsThroughATapeLoop) {
  const auto a = tape_run(7), b = tape_run(7), c = tape_run(8);
  EXPECT_TRUE(same_bits(a, b)) << differing(a, b) << " weight elements differ";
  EXPECT_FALSE(same_bits(a, c));
}

namespace {
struct GemmCase {
  bool ta, tb;
  std::size_t m, n, k;
  float beta;
};

// Bits of C = op(A) op(B) + beta C with `threads` OpenBLAS threads.
F gemm_with(int threads, const GemmCase& g) {
  BlasThreads t(threads);
  const F a = uniform(g.ta ? Shape{g.k, g.m} : Shape{g.m, g.k}, 1);
  const F b = uniform(g.tb ? Shape{g.n, g.k} : Shape{g.k, g.n}, 2);
  F c = uniform(Shape{g.m, g.n}, 3);
  blas::gemm<float>(g.ta, g.tb, g.m, g.n, g.k, 1.0f, a.data(), b.data(), g.beta, c.data());
  return c;
}

std::size_t differing(const F& a, const F& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += std::memcmp(&a.data()[i], &b.data()[i], sizeof(float)) != 0;
  return n;
}
}  // namespace

TEST(Determinism, OpenBlasSgemmOneVersusTwoThreads) {
  // A square product, then the GEMMs of a GRU(128) training step on batch 64, 5 steps, 16
  // features: input projection, recurrent step, and the weight and input gradients.
  const std::vector<GemmCase> cases{{false, false, 384, 384, 512, 0.0f}, {false, false, 320, 384, 16, 0.0f},
                                    {false, false, 64, 384, 128, 0.0f},  {true, false, 16, 384, 320, 1.0f},
                                    {true, false, 128, 384, 64, 1.0f},   {false, true, 64, 128, 384, 0.0f},
                                    {false, true, 320, 16, 384, 0.0f}};
  std::size_t differ_total = 0;
  for (const auto& g : cases) {
    const F one = gemm_with(1, g), one_again = gemm_with(1, g), two = gemm_with(2, g), two_again = gemm_with(2, g);
    // Each thread count on its own is reproducible, bit for bit.
    EXPECT_EQ(differing(one, one_again), 0u);
    EXPECT_EQ(differing(two, two_again), 0u);
    const std::size_t d = differing(one, two);
    differ_total += d;
    double worst = 0.0;
    for (std::size_t i = 0; i < one.size(); ++i)
      worst = std::max(worst, std::abs(double(one.data()[i]) - two.data()[i]));
    // Inputs lie in [-1, 1]: another summation order moves a sum of k products by at most about
    // k float epsilons.
    const double bound = 2.0 * static_cast<double>(g.k + 1) * 6e-8;
    std::printf("sgemm ta=%d tb=%d %zux%zux%zu beta=%g: %zu of %zu elements differ between 1 and 2 threads "
                "(max abs %.2g, bound %.2g)\n", g.ta, g.tb, g.m, g.n, g.k, g.beta, d, one.size(), worst, bound);
    EXPECT_LE(worst, bound);
  }
  std::printf("sgemm total: %zu elements differ between 1 and 2 OpenBLAS threads\n", differ_total);
}

TEST(Determinism, TrainingOneVersusTwoBlasThreads) {
  // GRU(128) on batch 64: the recurrent and projection GEMMs are big enough to use both threads.
  std::vector<xt::xarray<float>> one, one_again, two, two_again;
  {
    BlasThreads t(1);
    one = fit_run(5, 128, 64, 1);
    one_again = fit_run(5, 128, 64, 1);
  }
  {
    BlasThreads t(2);
    two = fit_run(5, 128, 64, 1);
    two_again = fit_run(5, 128, 64, 1);
  }
  // Reproducible for a fixed thread count.
  EXPECT_TRUE(same_bits(one, one_again));
  EXPECT_TRUE(same_bits(two, two_again));
  // Across thread counts OpenBLAS 0.3.21 is not bit-identical for every shape (see
  // docs/reliability.md); the runs agree to float rounding.
  std::size_t total = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < one.size(); ++i) {
    total += one[i].size();
    for (std::size_t k = 0; k < one[i].size(); ++k)
      worst = std::max(worst, double(std::abs(one[i].data()[k] - two[i].data()[k])));
  }
  const std::size_t diff = differing(one, two);
  std::printf("GRU(128) fit, 3 steps: %zu of %zu weight elements differ between 1 and 2 BLAS threads, "
              "max abs difference %.3g\n", diff, total, worst);
  EXPECT_LT(worst, 1e-5);
}
