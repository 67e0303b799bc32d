// GRUCell against the float64 reference cases (outputs, final state and the gradients of
// sum(outputs * G)), against the gate-order case (docs/keras_contract.md §8.6), and
// implementation 1 against 2.
#include <gtest/gtest.h>

#include <cstdio>

#include "gru_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

template <class T>
double max_abs_diff(const Tensor<T>& a, const Tensor<T>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return m;
}

template <class T>
void check_reference_case(const std::string& name, bool reset_after, int implementation, double atol) {
  GRUCell<T> cell(4, {.implementation = implementation, .reset_after = reset_after});
  cell.build(Shape{2, 5});
  cell.set_weights({ref_array<T>(name, "kernel"), ref_array<T>(name, "recurrent_kernel"),
                    ref_array<T>(name, "bias")});
  Tensor<T> x = ref_tensor<T>(name, "x"), h0 = ref_tensor<T>(name, "h0"), G = ref_tensor<T>(name, "G");

  GradientTape<T> tape;
  tape.watch(x);
  tape.watch(h0);
  auto seq = run_gru(cell, x, h0);
  auto loss = sum(mul(seq.outputs, G));
  auto grads = tape.gradient(loss, std::vector<Tensor<T>>{x, h0, cell.kernel().value(),
                                                          cell.recurrent_kernel().value(),
                                                          cell.bias().value()});

  const char* what[] = {"grad_x", "grad_h0", "grad_kernel", "grad_recurrent_kernel", "grad_bias"};
  double worst = max_abs_diff(seq.outputs, ref_tensor<T>(name, "outputs"));
  EXPECT_TRUE(all_close(seq.outputs, ref_tensor<T>(name, "outputs"), atol)) << "outputs";
  EXPECT_TRUE(all_close(seq.state, ref_tensor<T>(name, "final_state"), atol)) << "final_state";
  EXPECT_NEAR(loss.item(), ref_tensor<T>(name, "loss").item(), atol * 10);
  for (int i = 0; i < 5; ++i) {
    auto want = ref_tensor<T>(name, what[i]);
    EXPECT_TRUE(all_close(grads[i], want, atol)) << what[i];
    worst = std::max(worst, max_abs_diff(grads[i], want));
  }
  std::printf("[ reference ] %s %s impl %d: max abs error %.3g (atol %.0e)\n", name.c_str(),
              sizeof(T) == 4 ? "float32" : "float64", implementation, worst, atol);
}

}  // namespace

TEST(GRUCellReference, ResetAfterTrueFloatAndDouble) {
  for (int impl : {1, 2}) {
    check_reference_case<float>("ra_true_b2_t3_i5_u4", true, impl, 1e-5);
    check_reference_case<double>("ra_true_b2_t3_i5_u4", true, impl, 1e-10);
  }
}

TEST(GRUCellReference, ResetAfterFalseFloatAndDouble) {
  for (int impl : {1, 2}) {
    check_reference_case<float>("ra_false_b2_t3_i5_u4", false, impl, 1e-5);
    check_reference_case<double>("ra_false_b2_t3_i5_u4", false, impl, 1e-10);
  }
}

TEST(GRUCellReference, BiasRowsAreNotInterchangeable) {
  // Swapping the input and recurrent bias rows must change the result (guards against a test that
  // passes whichever row is used).
  const std::string name = "ra_true_b2_t3_i5_u4";
  GRUCell<double> cell(4);
  cell.build(Shape{2, 5});
  xt::xarray<double> b = ref_array<double>(name, "bias");
  xt::xarray<double> swapped = b;
  for (std::size_t j = 0; j < b.shape()[1]; ++j) std::swap(swapped(0, j), swapped(1, j));
  cell.set_weights({ref_array<double>(name, "kernel"), ref_array<double>(name, "recurrent_kernel"), swapped});
  auto seq = run_gru(cell, ref_tensor<double>(name, "x"), ref_tensor<double>(name, "h0"));
  EXPECT_GT(max_abs_diff(seq.outputs, ref_tensor<double>(name, "outputs")), 1e-3);
}

// docs/keras_contract.md §8.6: distinct values in every gate block, so a z/r mix-up shows.
namespace {
struct GateOrderCase {
  xt::xarray<double> kernel{{-0.3, -0.2, -0.1, 0.0, 0.1, 0.2}, {0.3, -0.3, -0.2, -0.1, 0.0, 0.1}};
  xt::xarray<double> recurrent{{-0.3, -0.15, 0.0, 0.15, 0.3, -0.3}, {-0.15, 0.0, 0.15, 0.3, -0.3, -0.15}};
  xt::xarray<double> bias2{{-0.1, -0.05, 0.0, 0.05, 0.1, 0.15}, {0.09, 0.06, 0.03, 0.0, -0.03, -0.06}};
  xt::xarray<double> bias1{-0.1, -0.05, 0.0, 0.05, 0.1, 0.15};
  Tensor<double> x{{{0.5, -1.0}, {1.5, 0.25}, {-0.75, 2.0}}};  // (1, 3, 2)
};

// Swaps the z and r column blocks of a (.., 6) array (U = 2).
xt::xarray<double> swap_zr(xt::xarray<double> a) {
  if (a.dimension() == 1) {
    for (std::size_t j = 0; j < 2; ++j) std::swap(a(j), a(2 + j));
  } else {
    for (std::size_t i = 0; i < a.shape()[0]; ++i)
      for (std::size_t j = 0; j < 2; ++j) std::swap(a(i, j), a(i, 2 + j));
  }
  return a;
}
}  // namespace

TEST(GRUCellReference, GateOrderCaseSpec86) {
  GateOrderCase c;
  struct Expect {
    bool reset_after;
    bool backwards;
    Tensor<double> seq;
  };
  const Expect cases[] = {
      {true, false, Tensor<double>{{{0.08144718, 0.05247531}, {0.17443174, 0.26060585}, {0.11766646, 0.17749741}}}},
      {true, true, Tensor<double>{{{0.00374205, 0.10374608}, {0.13253370, 0.28453450}, {0.11676010, 0.18726461}}}},
      {false, false, Tensor<double>{{{0.09441330, 0.06886977}, {0.18986245, 0.28695003}, {0.12618175, 0.20277554}}}},
      {false, true, Tensor<double>{{{0.00815562, 0.12285811}, {0.14480077, 0.31087795}, {0.12888047, 0.21192796}}}},
  };
  for (const auto& e : cases) {
    for (int impl : {1, 2}) {
      GRUCell<double> cell(2, {.implementation = impl, .reset_after = e.reset_after});
      cell.build(Shape{1, 2});
      cell.set_weights({c.kernel, c.recurrent, e.reset_after ? c.bias2 : c.bias1});
      auto seq = run_gru(cell, c.x, {}, false, e.backwards);
      EXPECT_TRUE(all_close(seq.outputs, e.seq, 1e-8))
          << "reset_after " << e.reset_after << " go_backwards " << e.backwards << " impl " << impl;
    }
  }
}

TEST(GRUCellReference, GateOrderCaseDetectsZRSwap) {
  // Our cell fed z/r-swapped weights computes what a z/r-swapped implementation computes on the
  // original weights: the "wrong" final state of docs/keras_contract.md §8.6, not the right one.
  GateOrderCase c;
  GRUCell<double> cell(2);
  cell.build(Shape{1, 2});
  cell.set_weights({swap_zr(c.kernel), swap_zr(c.recurrent), swap_zr(c.bias2)});
  auto seq = run_gru(cell, c.x);
  EXPECT_TRUE(all_close(seq.state, Tensor<double>{{0.0619627, 0.1855485}}, 1e-6));
  EXPECT_FALSE(all_close(seq.state, Tensor<double>{{0.11766646, 0.17749741}}, 1e-2));
}

namespace {
template <class T>
double impl_difference(bool reset_after, bool use_bias) {
  GRUCell<T> c1(7, {.use_bias = use_bias, .bias_initializer = RandomUniform(-0.5, 0.5, 3),
                    .implementation = 1, .reset_after = reset_after});
  GRUCell<T> c2(7, {.use_bias = use_bias, .implementation = 2, .reset_after = reset_after});
  Generator g(11);
  auto x = random::uniform<T>(Shape{5, 6, 4}, -2.0, 2.0, g);
  auto h0 = random::uniform<T>(Shape{5, 7}, -1.0, 1.0, g);
  c1.build(Shape{5, 4});
  c2.build(Shape{5, 4});
  c2.set_weights(c1.get_weights());
  auto a = run_gru(c1, x, h0, /*training=*/true);  // training with zero rates: still no dropout
  auto b = run_gru(c2, x, h0, true);
  return max_abs_diff(a.outputs, b.outputs);
}
}  // namespace

TEST(GRUCellImplementations, OneAndTwoAgreeWithoutDropout) {
  for (bool ra : {true, false})
    for (bool bias : {true, false}) {
      const double d = impl_difference<float>(ra, bias);
      std::printf("[ impl 1 vs 2 ] reset_after %d use_bias %d: max abs diff %.3g (float32)\n", ra, bias, d);
      EXPECT_LE(d, 1e-6);
      EXPECT_LE(impl_difference<double>(ra, bias), 1e-12);
    }
}
