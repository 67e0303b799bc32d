// The fused GRU sequence op against the float64 reference cases of tests/data/reference (Keras
// equations; gradients from PyTorch autograd): outputs, final state and the gradients of
// sum(outputs * G) with respect to every input, in float (atol 1e-5) and double (atol 1e-10).
#include <gtest/gtest.h>

#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

#include "test_util.hpp"

using namespace loom;
using loom::testing::all_close;
using loom::testing::data_path;

namespace {

template <class T>
Tensor<T> load(const std::string& dir, const std::string& name) {
  auto a = xt::load_npy<double>(data_path("reference/" + dir + "/" + name + ".npy"));
  std::vector<T> v(a.begin(), a.end());
  return Tensor<T>(Shape(a.shape().begin(), a.shape().end()), v);
}

template <class T>
void check_case(const std::string& dir, bool reset_after, double atol) {
  auto x = load<T>(dir, "x"), h0 = load<T>(dir, "h0"), k = load<T>(dir, "kernel"),
       rk = load<T>(dir, "recurrent_kernel"), b = load<T>(dir, "bias"), G = load<T>(dir, "G");
  GruSequenceOptions<T> opt;
  opt.reset_after = reset_after;
  GradientTape<T> tape;
  for (const auto* t : {&x, &h0, &k, &rk, &b}) tape.watch(*t);
  auto res = gru_sequence(x, h0, k, rk, b, opt);
  auto loss = sum(res.outputs * G);
  auto g = tape.gradient(loss, std::vector<Tensor<T>>{x, h0, k, rk, b});
  EXPECT_TRUE(all_close(res.outputs, load<T>(dir, "outputs"), atol));
  EXPECT_TRUE(all_close(res.state, load<T>(dir, "final_state"), atol));
  EXPECT_NEAR(loss.item(), load<T>(dir, "loss").item(), atol * 10);
  const char* names[] = {"grad_x", "grad_h0", "grad_kernel", "grad_recurrent_kernel", "grad_bias"};
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(all_close(g[i], load<T>(dir, names[i]), atol)) << names[i];
}

}  // namespace

TEST(GruFusedReference, ResetAfterFloat) { check_case<float>("ra_true_b2_t3_i5_u4", true, 1e-5); }
TEST(GruFusedReference, ResetAfterDouble) { check_case<double>("ra_true_b2_t3_i5_u4", true, 1e-10); }
TEST(GruFusedReference, ResetBeforeFloat) { check_case<float>("ra_false_b2_t3_i5_u4", false, 1e-5); }
TEST(GruFusedReference, ResetBeforeDouble) {
  check_case<double>("ra_false_b2_t3_i5_u4", false, 1e-10);
}

// docs/keras_contract.md §8.6: a case whose gate order matters (a z/r swap ends elsewhere).
TEST(GruFusedReference, GateOrderCase) {
  Tensor<double> k{{-0.3, -0.2, -0.1, 0.0, 0.1, 0.2}, {0.3, -0.3, -0.2, -0.1, 0.0, 0.1}};
  Tensor<double> rk{{-0.3, -0.15, 0.0, 0.15, 0.3, -0.3}, {-0.15, 0.0, 0.15, 0.3, -0.3, -0.15}};
  Tensor<double> b{{-0.1, -0.05, 0.0, 0.05, 0.1, 0.15}, {0.09, 0.06, 0.03, 0.0, -0.03, -0.06}};
  Tensor<double> x{{{0.5, -1.0}, {1.5, 0.25}, {-0.75, 2.0}}};
  auto h0 = Tensor<double>::zeros({1, 2});
  GruSequenceOptions<double> opt;
  auto r = gru_sequence(x, h0, k, rk, b, opt);
  EXPECT_TRUE(all_close(r.outputs, Tensor<double>{{{0.08144718, 0.05247531},
                                                   {0.17443174, 0.26060585},
                                                   {0.11766646, 0.17749741}}},
                        1e-8));
  opt.go_backwards = true;
  r = gru_sequence(x, h0, k, rk, b, opt);
  EXPECT_TRUE(all_close(r.outputs, Tensor<double>{{{0.00374205, 0.10374608},
                                                   {0.13253370, 0.28453450},
                                                   {0.11676010, 0.18726461}}},
                        1e-8));
  opt = {};
  opt.reset_after = false;
  auto b0 = take(b, 0, 0);
  r = gru_sequence(x, h0, k, rk, b0, opt);
  EXPECT_TRUE(all_close(r.state, Tensor<double>{{0.12618175, 0.20277554}}, 1e-8));
  opt.go_backwards = true;
  r = gru_sequence(x, h0, k, rk, b0, opt);
  EXPECT_TRUE(all_close(r.state, Tensor<double>{{0.12888047, 0.21192796}}, 1e-8));
}
