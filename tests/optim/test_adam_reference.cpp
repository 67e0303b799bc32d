// Acceptance 1 of issue 5: Keras Adam reproduces the reference trajectories (5 steps, lr 0.01) of
// a GRU loss, in float32 and double, for both reset_after modes; PyTorch's epsilon placement does
// not. The GRU forward is written here from primitive ops (docs/keras_contract.md §1.4), so that
// this test depends on the tape and the optimizer only.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "test_util.hpp"

using namespace loom;
using namespace loom::optimizers;

namespace {

template <class T>
Tensor<T> load(const std::string& case_dir, const std::string& name) {
  const auto a = xt::load_npy<double>(loom::testing::data_path("reference/" + case_dir + "/" + name + ".npy"));
  const Tensor<double> d = from_xarray<double>(a);
  if constexpr (std::is_same_v<T, double>) {
    return d;
  } else {
    std::vector<T> v(d.data(), d.data() + d.size());
    return Tensor<T>(d.shape(), v);
  }
}

// Keras GRU equations (docs/keras_contract.md §1.4), return_sequences, gate blocks z, r, h.
template <class T>
Tensor<T> gru_outputs(const Tensor<T>& x, const Tensor<T>& h0, const Tensor<T>& kernel,
                      const Tensor<T>& rec, const Tensor<T>& bias, bool reset_after) {
  const std::size_t U = h0.dim(1), steps = x.dim(1);
  Tensor<T> h = h0;
  std::vector<Tensor<T>> outs;
  const Tensor<T> b_in = reset_after ? take(bias, 0, 0) : bias;
  for (std::size_t t = 0; t < steps; ++t) {
    const Tensor<T> xp = matmul(take(x, 1, t), kernel) + b_in;
    const auto xz = slice(xp, 1, 0, U), xr = slice(xp, 1, U, 2 * U), xh = slice(xp, 1, 2 * U, 3 * U);
    Tensor<T> z, r, hh;
    if (reset_after) {
      const Tensor<T> hp = matmul(h, rec) + take(bias, 0, 1);
      z = sigmoid(xz + slice(hp, 1, 0, U));
      r = sigmoid(xr + slice(hp, 1, U, 2 * U));
      hh = tanh(xh + r * slice(hp, 1, 2 * U, 3 * U));
    } else {
      z = sigmoid(xz + matmul(h, slice(rec, 1, 0, U)));
      r = sigmoid(xr + matmul(h, slice(rec, 1, U, 2 * U)));
      hh = tanh(xh + matmul(r * h, slice(rec, 1, 2 * U, 3 * U)));
    }
    h = z * h + (T(1) - z) * hh;
    outs.push_back(h);
  }
  return stack(outs, 1);
}

// torch.optim.Adam's update, for contrast: bias corrections applied to m and v separately, so
// epsilon is added to sqrt(v / (1 - beta_2^t)).
template <class T>
struct TorchStyleAdam {
  double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  int t = 0;
  std::vector<std::vector<T>> m, v;
  void step(const std::vector<Tensor<T>>& grads, std::vector<Variable<T>>& vars) {
    if (m.empty())
      for (auto& var : vars) {
        m.emplace_back(var.value().size(), T(0));
        v.emplace_back(var.value().size(), T(0));
      }
    ++t;
    const T bc1 = T(1) - std::pow(T(b1), T(t)), bc2 = T(1) - std::pow(T(b2), T(t));
    for (std::size_t i = 0; i < vars.size(); ++i) {
      Tensor<T> w = vars[i].value().clone();
      for (std::size_t k = 0; k < w.size(); ++k) {
        const T g = grads[i].data()[k];
        m[i][k] = T(b1) * m[i][k] + T(1 - b1) * g;
        v[i][k] = T(b2) * v[i][k] + T(1 - b2) * g * g;
        w.data()[k] -= T(lr) / bc1 * m[i][k] / (std::sqrt(v[i][k]) / std::sqrt(bc2) + T(eps));
      }
      vars[i].assign(w);
    }
  }
};

double max_abs_diff(const Tensor<double>& a, const Tensor<double>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a.data()[i] - b.data()[i]));
  return d;
}
template <class T>
Tensor<double> to_double(const Tensor<T>& t) {
  std::vector<double> v(t.data(), t.data() + t.size());
  return Tensor<double>(t.shape(), v);
}

struct Trajectory {
  double max_err_keras = 0;   // |ours - reference Keras Adam|
  double max_err_torch = 0;   // |torch-style - reference alt_torch_eps|
  double torch_vs_keras = 0;  // |torch-style - reference Keras Adam|
  double max_loss_rel = 0;
};

template <class T>
Trajectory run_case(const std::string& case_dir, bool reset_after) {
  const auto x = load<T>(case_dir, "x"), h0 = load<T>(case_dir, "h0"), G = load<T>(case_dir, "G");
  const auto ref_k = load<double>(case_dir, "adam_kernel"), ref_r = load<double>(case_dir, "adam_recurrent_kernel"),
             ref_b = load<double>(case_dir, "adam_bias"), ref_loss = load<double>(case_dir, "adam_loss");
  const auto alt_k = load<double>(case_dir, "alt_torch_eps_adam_kernel"),
             alt_r = load<double>(case_dir, "alt_torch_eps_adam_recurrent_kernel"),
             alt_b = load<double>(case_dir, "alt_torch_eps_adam_bias");
  const std::vector<Tensor<double>> refs{ref_k, ref_r, ref_b}, alts{alt_k, alt_r, alt_b};

  auto make_vars = [&] {
    return std::vector<Variable<T>>{Variable<T>(load<T>(case_dir, "kernel"), "gru_cell/kernel"),
                                    Variable<T>(load<T>(case_dir, "recurrent_kernel"), "gru_cell/recurrent_kernel"),
                                    Variable<T>(load<T>(case_dir, "bias"), "gru_cell/bias")};
  };
  auto loss_and_grads = [&](std::vector<Variable<T>>& vars, T* loss_out) {
    GradientTape<T> tape;
    const auto loss = sum(gru_outputs(x, h0, vars[0].value(), vars[1].value(), vars[2].value(), reset_after) * G);
    if (loss_out) *loss_out = loss.item();
    return tape.gradient(loss, vars);
  };

  Trajectory tr;
  auto vars = make_vars(), torch_vars = make_vars();
  Adam<T> adam({.learning_rate = 0.01});
  TorchStyleAdam<T> torch_adam;
  for (std::size_t step = 0; step < 5; ++step) {
    T loss = 0;
    adam.apply_gradients(loss_and_grads(vars, &loss), vars);
    tr.max_loss_rel = std::max(tr.max_loss_rel, std::abs(loss - ref_loss.data()[step]) / std::abs(ref_loss.data()[step]));
    torch_adam.step(loss_and_grads(torch_vars, nullptr), torch_vars);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto ref = take(refs[i], 0, step), alt = take(alts[i], 0, step);
      tr.max_err_keras = std::max(tr.max_err_keras, max_abs_diff(to_double(vars[i].value()), ref));
      tr.max_err_torch = std::max(tr.max_err_torch, max_abs_diff(to_double(torch_vars[i].value()), alt));
      if (step == 4) tr.torch_vs_keras = std::max(tr.torch_vs_keras, max_abs_diff(to_double(torch_vars[i].value()), ref));
    }
  }
  EXPECT_EQ(adam.iterations(), 5);
  std::printf("[%s %s] keras adam max err %.3g, torch-eps variant vs its reference %.3g, torch-eps vs keras "
              "reference after 5 steps %.3g, loss rel err %.3g\n",
              case_dir.c_str(), std::is_same_v<T, float> ? "float" : "double", tr.max_err_keras,
              tr.max_err_torch, tr.torch_vs_keras, tr.max_loss_rel);
  return tr;
}

struct Case {
  const char* dir;
  bool reset_after;
};
const Case kCases[] = {{"ra_true_b2_t3_i5_u4", true}, {"ra_false_b2_t3_i5_u4", false}};

}  // namespace

TEST(AdamReference, DoubleMatchesKerasTrajectory) {
  for (const auto& c : kCases) {
    const auto tr = run_case<double>(c.dir, c.reset_after);
    EXPECT_LE(tr.max_err_keras, 1e-10) << c.dir;
    EXPECT_LE(tr.max_loss_rel, 1e-12) << c.dir;
    // The torch-style variant reproduces its own reference, so the contrast below is meaningful.
    EXPECT_LE(tr.max_err_torch, 1e-10) << c.dir;
    EXPECT_GT(tr.torch_vs_keras, 1e-10) << c.dir;
  }
}

TEST(AdamReference, FloatMatchesKerasTrajectory) {
  for (const auto& c : kCases) {
    const auto tr = run_case<float>(c.dir, c.reset_after);
    EXPECT_LE(tr.max_err_keras, 5e-6) << c.dir;
    EXPECT_LE(tr.max_loss_rel, 1e-5) << c.dir;
    EXPECT_LE(tr.max_err_torch, 5e-6) << c.dir;
    // PyTorch's epsilon placement fails the float tolerance.
    EXPECT_GT(tr.torch_vs_keras, 5e-6) << c.dir;
  }
}
