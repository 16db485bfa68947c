#include "modlr/metrics/regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "modlr/core/error.h"

using modlr::metrics::RegressionAccumulator;

TEST(Regression, HandWorkedExample) {
  // residuals (pred - target) = {0, 0, 0, 1}:
  //   mse = 1/4, mae = 1/4, rmse = sqrt(1/4) = 0.5
  //   target mean 2.5, SS_tot = 2.25 + .25 + .25 + 2.25 = 5, SS_res = 1 -> r2 = 0.8
  const std::vector<float> target{1, 2, 3, 4}, pred{1, 2, 3, 5};
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), target.size());
  EXPECT_EQ(acc.count(), 4u);
  EXPECT_DOUBLE_EQ(acc.mse(), 0.25);
  EXPECT_DOUBLE_EQ(acc.mae(), 0.25);
  EXPECT_DOUBLE_EQ(acc.rmse(), 0.5);
  EXPECT_DOUBLE_EQ(acc.r2(), 0.8);
}

TEST(Regression, StreamingBatchesMatchOneBatch) {
  const std::vector<float> target{1, 2, 3, 4}, pred{1, 2, 3, 5};
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), 1);
  acc.add(nullptr, nullptr, 0);  // empty batch is a no-op
  acc.add(pred.data() + 1, target.data() + 1, 3);
  EXPECT_EQ(acc.count(), 4u);
  EXPECT_DOUBLE_EQ(acc.mse(), 0.25);
  EXPECT_DOUBLE_EQ(acc.r2(), 0.8);
}

TEST(Regression, NegativeR2WhenWorseThanMean) {
  // targets {1,2,3}, preds {3,2,1}: residuals {2,0,-2}
  //   mse = 8/3, mae = 4/3; SS_tot = 1 + 0 + 1 = 2 -> r2 = 1 - 8/2 = -3
  const std::vector<float> target{1, 2, 3}, pred{3, 2, 1};
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), 3);
  EXPECT_DOUBLE_EQ(acc.mse(), 8.0 / 3.0);
  EXPECT_DOUBLE_EQ(acc.mae(), 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(acc.r2(), -3.0);
}

TEST(Regression, R2StableForLargeOffsetTargets) {
  // 1000 targets 1e7 + (i % 4) (exact in float); the prediction is 1 too high when
  // i % 4 == 3. SS_res = 250 * 1 = 250; SS_tot = 1000 * var{0,1,2,3} = 1000 * 1.25 = 1250
  // -> r2 = 1 - 250/1250 = 0.8, mse = 0.25. Naive sum(y^2) - (sum y)^2 / n in double gives
  // SS_tot = 1424 here (sum(y^2) ~ 1e17 exceeds 2^53), i.e. r2 ~ 0.824; Welford stays exact.
  std::vector<float> target(1000), pred(1000);
  for (size_t i = 0; i < target.size(); ++i) {
    target[i] = 1e7f + static_cast<float>(i % 4);
    pred[i] = target[i] + (i % 4 == 3 ? 1.0f : 0.0f);
  }
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), target.size());
  EXPECT_NEAR(acc.r2(), 0.8, 1e-9);
  EXPECT_DOUBLE_EQ(acc.mse(), 0.25);
}

TEST(Regression, ConstantTargetsR2Throws) {
  const std::vector<float> target{2, 2, 2}, pred{1, 2, 3};
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), 3);
  EXPECT_DOUBLE_EQ(acc.mse(), 2.0 / 3.0);  // other metrics are still defined
  EXPECT_THROW(acc.r2(), modlr::Error);
}

TEST(Regression, EmptyThrowsOnEveryMetric) {
  RegressionAccumulator acc;
  EXPECT_THROW(acc.mse(), modlr::Error);
  EXPECT_THROW(acc.rmse(), modlr::Error);
  EXPECT_THROW(acc.mae(), modlr::Error);
  EXPECT_THROW(acc.r2(), modlr::Error);
}

TEST(Regression, ResetForgetsEverything) {
  const std::vector<float> target{1, 2}, pred{2, 4};
  RegressionAccumulator acc;
  acc.add(pred.data(), target.data(), 2);
  acc.reset();
  EXPECT_EQ(acc.count(), 0u);
  EXPECT_THROW(acc.mse(), modlr::Error);
  const std::vector<float> t2{1, 2, 3, 4}, p2{1, 2, 3, 5};
  acc.add(p2.data(), t2.data(), 4);
  EXPECT_DOUBLE_EQ(acc.r2(), 0.8);
}

TEST(Regression, InvalidInputThrowsAndLeavesStateUnchanged) {
  RegressionAccumulator acc;
  const std::vector<float> ok{1, 2};
  EXPECT_THROW(acc.add(nullptr, ok.data(), 2), modlr::Error);
  const std::vector<float> bad{1, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_THROW(acc.add(bad.data(), ok.data(), 2), modlr::Error);
  const std::vector<float> inf{1, std::numeric_limits<float>::infinity()};
  EXPECT_THROW(acc.add(ok.data(), inf.data(), 2), modlr::Error);
  EXPECT_EQ(acc.count(), 0u);
}
