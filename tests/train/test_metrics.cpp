// Streaming metrics against values worked out by hand, across several batches.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

using namespace loom;
using loom::testing::throws_with;
using F = Tensor<float>;

TEST(Metrics, MeanStreamsAndWeights) {
  metrics::Mean<float> m;
  EXPECT_EQ(m.result(), 0.0);
  m.update_state(F{1, 2, 3});
  m.update_state(F{4});
  EXPECT_NEAR(m.result(), 2.5, 1e-12);
  m.reset_state();
  m.update_state(F{1, 3}, F{3, 1});  // (3 + 3) / 4
  EXPECT_NEAR(m.result(), 1.5, 1e-12);
  m.update_state(F::scalar(10.0f));  // weight 1: (6 + 10) / 5
  EXPECT_NEAR(m.result(), 16.0 / 5.0, 1e-12);
  EXPECT_EQ(m.name(), "mean");
}

TEST(Metrics, RegressionMetricsOverBatches) {
  metrics::MeanSquaredError<float> mse;
  metrics::MeanAbsoluteError<float> mae;
  metrics::RootMeanSquaredError<float> rmse;
  F t1{{0, 0}, {1, 1}}, p1{{1, 1}, {1, 3}};
  F t2{{2, 2}}, p2{{2, 4}};
  for (auto* m : std::initializer_list<metrics::Metric<float>*>{&mse, &mae, &rmse}) {
    m->update_state(t1, p1);
    m->update_state(t2, p2);
  }
  // Per-sample squared errors: 1, 2, 2 -> mean 5/3. Absolute: 1, 1, 1.
  EXPECT_NEAR(mse.result(), 5.0 / 3.0, 1e-9);
  EXPECT_NEAR(mae.result(), 1.0, 1e-9);
  // Elementwise squared errors 1 1 0 4 0 4 -> sqrt(10/6).
  EXPECT_NEAR(rmse.result(), std::sqrt(10.0 / 6.0), 1e-9);
  EXPECT_EQ(rmse.name(), "root_mean_squared_error");
  mse.reset_state();
  EXPECT_EQ(mse.result(), 0.0);
  // Sample weights: (1 * 1 + 0 * 2) / 1.
  mse.update_state(t1, p1, F{1, 0});
  EXPECT_NEAR(mse.result(), 1.0, 1e-9);
}

TEST(Metrics, Accuracies) {
  metrics::Accuracy<float> acc;
  acc.update_state(F{1, 2, 3, 4}, F{1, 2, 0, 0});
  EXPECT_NEAR(acc.result(), 0.5, 1e-12);

  metrics::BinaryAccuracy<float> bin;
  bin.update_state(F(Shape{4, 1}, std::vector<float>{1, 0, 1, 0}),
                   F(Shape{4, 1}, std::vector<float>{0.6f, 0.5f, 0.5f, 0.9f}));
  // 0.6>0.5 -> 1 ok; 0.5 -> 0 ok (strict); 0.5 -> 0 wrong; 0.9 -> 1 wrong.
  EXPECT_NEAR(bin.result(), 0.5, 1e-12);
  metrics::BinaryAccuracy<float> bin7(0.7);
  bin7.update_state(F{1, 1}, F{0.6f, 0.8f});
  EXPECT_NEAR(bin7.result(), 0.5, 1e-12);

  metrics::CategoricalAccuracy<float> cat;
  cat.update_state(F{{0, 1, 0}, {1, 0, 0}}, F{{0.1f, 0.8f, 0.1f}, {0.2f, 0.7f, 0.1f}});
  cat.update_state(F{{0, 0, 1}}, F{{0.1f, 0.2f, 0.7f}});
  EXPECT_NEAR(cat.result(), 2.0 / 3.0, 1e-12);

  metrics::SparseCategoricalAccuracy<float> sp;
  sp.update_state(F{1, 0}, F{{0.1f, 0.8f, 0.1f}, {0.2f, 0.7f, 0.1f}});
  EXPECT_NEAR(sp.result(), 0.5, 1e-12);
  sp.update_state(F(Shape{1, 1}, std::vector<float>{2}), F{{0.1f, 0.2f, 0.7f}}, F{3});
  EXPECT_NEAR(sp.result(), 4.0 / 5.0, 1e-12);
}

TEST(Metrics, MaskAsSampleWeightOnSequences) {
  // (batch 2, time 3, classes 2) with a (2, 3) mask: only kept steps count.
  F p(Shape{2, 3, 2}, std::vector<float>{0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f,  //
                                         0.3f, 0.7f, 0.5f, 0.4f, 0.1f, 0.9f});
  F ids{{0, 1, 1}, {1, 1, 1}};
  F mask{{1, 1, 0}, {1, 0, 0}};
  metrics::SparseCategoricalAccuracy<float> sp;
  sp.update_state(ids, p, mask);
  // Kept: (0,0) right, (0,1) right, (1,0) right -> 3/3; unmasked would be 4/6.
  EXPECT_NEAR(sp.result(), 1.0, 1e-12);
  sp.reset_state();
  sp.update_state(ids, p);
  EXPECT_NEAR(sp.result(), 4.0 / 6.0, 1e-12);
}

TEST(Metrics, DoNotRecordOnTape) {
  F t{1, 2}, p{1, 3};
  GradientTape<float> tape;
  tape.watch(p);
  metrics::MeanSquaredError<float> m;
  m.update_state(t, p);
  EXPECT_EQ(tape.num_records(), 0u);
}

TEST(Metrics, ErrorsNameMetricAndShapes) {
  metrics::MeanSquaredError<float> m;
  EXPECT_TRUE(throws_with<ShapeError>([&] { m.update_state(F{1, 2}, F{1, 2, 3}); },
                                      {"mean_squared_error", "(2,)", "(3,)"}));
  metrics::SparseCategoricalAccuracy<float> s;
  EXPECT_TRUE(throws_with<ShapeError>([&] { s.update_state(F{1, 2, 3}, F{{0.5f, 0.5f}}); },
                                      {"sparse_categorical_accuracy", "(3,)", "(1, 2)"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { m.update_state(F{{1, 2}}, F{{1, 2}}, F{1, 1, 1}); },
                                      {"mean_squared_error", "sample_weight"}));
  EXPECT_EQ(metrics::get<float>("mae")->name(), "mean_absolute_error");
  EXPECT_TRUE(throws_with<ValueError>([] { metrics::get<float>("f1"); }, {"metrics::get", "f1"}));
}
