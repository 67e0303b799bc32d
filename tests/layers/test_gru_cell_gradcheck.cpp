// GRUCell gradients against central differences in double precision, over a 3-step sequence, for
// every configuration the issue lists. The checked inputs are x, h0 and the cell's weights, so the
// regularization losses (functions of the weights) are part of the checked function.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "gru_test_util.hpp"

using namespace loom;
using namespace loom::testing;

namespace {

struct GradCase {
  std::string label;
  GRUCellOptions options;
  bool with_losses = false;
  bool training = false;  // with dropout: masks drawn at the first evaluation, then held fixed
};

void expect_cell_gradcheck(const GradCase& c) {
  const std::size_t B = 2, T = 3, I = 4, U = 3;
  GRUCell<double> cell(U, c.options);
  cell.build(Shape{B, I});

  Generator g(77);
  // Small values keep hard_sigmoid's pre-activations inside (-2.5, 2.5), away from its kinks.
  std::vector<Tensor<double>> inputs = {random::uniform<double>(Shape{B, T, I}, -1.0, 1.0, g),
                                        random::uniform<double>(Shape{B, U}, -0.5, 0.5, g)};
  std::vector<Tensor<double>> values;
  for (const auto& w : cell.weights())
    values.push_back(random::uniform<double>(w.shape(), -0.5, 0.5, g));
  const auto weights = cell.weights();

  cell.reset_dropout_masks();
  auto f = [&](const std::vector<Tensor<double>>& xs) {
    auto seq = run_gru(cell, xs[0], xs[1], c.training, false, /*keep_masks=*/true);
    std::vector<Tensor<double>> parts = {reshape(seq.outputs, {-1}), reshape(seq.state, {-1})};
    if (c.with_losses) {
      const auto losses = cell.losses();
      EXPECT_FALSE(losses.empty());
      for (const auto& l : losses) parts.push_back(reshape(l, {1}));
    }
    return concat(parts, 0);
  };
  auto r = gradcheck_weights(f, inputs, weights, values);
  std::printf("[ gradcheck ] %-40s max rel error %.3g\n", c.label.c_str(), r.max_rel_error);
  EXPECT_TRUE(r.ok) << c.label << ": " << r.str();
  EXPECT_LE(r.max_rel_error, 1e-6) << c.label;
  if (c.training) {
    EXPECT_FALSE(cell.dropout_masks().empty() && cell.recurrent_dropout_masks().empty())
        << c.label << ": the dropout case drew no masks";
  }
}

}  // namespace

TEST(GRUCellGradcheck, ResetAfterAndBias) {
  for (bool ra : {true, false})
    for (bool bias : {true, false})
      for (int impl : {1, 2})
        expect_cell_gradcheck({"reset_after " + std::to_string(ra) + " use_bias " + std::to_string(bias) +
                                   " impl " + std::to_string(impl),
                               {.use_bias = bias, .implementation = impl, .reset_after = ra}});
}

TEST(GRUCellGradcheck, Activations) {
  for (bool ra : {true, false}) {
    const std::string s = ra ? " reset_after" : " reset_before";
    expect_cell_gradcheck({"activation None" + s, {.activation = nullptr, .reset_after = ra}});
    expect_cell_gradcheck({"activation tanh, hard_sigmoid" + s,
                           {.activation = "tanh", .recurrent_activation = "hard_sigmoid", .reset_after = ra}});
    expect_cell_gradcheck({"activation None, hard_sigmoid" + s,
                           {.activation = nullptr, .recurrent_activation = "hard_sigmoid", .reset_after = ra}});
  }
}

TEST(GRUCellGradcheck, RegularizerLossesEnterTheFunction) {
  for (bool ra : {true, false}) {
    GradCase c{std::string("regularizers l1/l2/l1_l2") + (ra ? " reset_after" : " reset_before"),
               {.kernel_regularizer = L1(0.03), .recurrent_regularizer = "l2",
                .bias_regularizer = L1L2(0.02, 0.05), .reset_after = ra},
               true};
    expect_cell_gradcheck(c);
  }
}

TEST(GRUCellGradcheck, WithFixedDropoutMasks) {
  expect_cell_gradcheck({"dropout 0.3 + recurrent 0.4 (impl 1)",
                         {.dropout = 0.3, .recurrent_dropout = 0.4}, false, true});
  expect_cell_gradcheck({"dropout 0.3 (impl 2)", {.dropout = 0.3}, false, true});
  expect_cell_gradcheck({"dropout 0.3 + recurrent 0.4 reset_before",
                         {.dropout = 0.3, .recurrent_dropout = 0.4, .reset_after = false}, false, true});
}
