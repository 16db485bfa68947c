// Statistics pinned to textbook values and to SciPy 1.10 (tests/compare/make_stats_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/compare/stats.h"
#include "modlr/core/error.h"

namespace mc = modlr::compare;
using Sample = std::vector<double>;

TEST(MannWhitney, ExactFiveVersusFiveAllSeparated) {
  // One arrangement in C(10, 5) = 252 gives U = 0, one gives U = 25: p = 2/252.
  const auto r = mc::mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.u_x, 0);
  EXPECT_EQ(r.u_y, 25);
  EXPECT_DOUBLE_EQ(r.p, 2.0 / 252);  // 0.00794
  EXPECT_DOUBLE_EQ(mc::mann_whitney_u({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).p, 2.0 / 252);
}

TEST(MannWhitney, ExactOneSwap) {
  // U = 1: arrangements with U <= 1 are U = 0 (one) and U = 1 (one): p = 2 * 2/252.
  const auto r = mc::mann_whitney_u({1, 2, 3, 4, 6}, {5, 7, 8, 9, 10});
  EXPECT_EQ(r.u_x, 1);
  EXPECT_DOUBLE_EQ(r.p, 4.0 / 252);  // scipy: 0.015873015873015872
}

TEST(MannWhitney, TortoiseAndHareTextbookExample) {
  // Wikipedia's example: finishing order T H H H H H T T T T T H (6 tortoises, 6 hares).
  // Each tortoise counts the hares it beats... as ranks x = tortoises' places.
  const Sample tortoise{1, 7, 8, 9, 10, 11}, hare{2, 3, 4, 5, 6, 12};
  const auto r = mc::mann_whitney_u(tortoise, hare);
  EXPECT_EQ(r.u_x, 25);  // tortoise places exceed 25 hare places: U_H = 25, U_T = 11
  EXPECT_EQ(r.u_y, 11);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p, 0.30952380952380953, 1e-15);  // scipy
}

TEST(MannWhitney, ExactWhenOneSampleIsSmall) {
  const auto r = mc::mann_whitney_u({0.5, 2.5, 7.5}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.u_x, 9);
  EXPECT_NEAR(r.p, 0.48181818181818176, 1e-14);  // scipy
}

TEST(MannWhitney, TiesUseTheNormalApproximationWithTieCorrection) {
  const auto r = mc::mann_whitney_u({0.91, 0.92, 0.92, 0.93, 0.95}, {0.90, 0.91, 0.92, 0.92, 0.94});
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u_x, 16.5);
  EXPECT_NEAR(r.p, 0.4491772016102902, 1e-12);  // scipy
  const auto s = mc::mann_whitney_u({3, 4, 2, 6, 2, 5, 6, 4, 3}, {9, 7, 5, 10, 6, 8, 6, 7, 5});
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(s.u_x, 7);
  EXPECT_NEAR(s.p, 0.0032671234998393308, 1e-12);  // scipy
}

TEST(MannWhitney, LargeSamplesWithoutTiesUseTheNormalApproximation) {
  Sample x, y;
  for (int i = 0; i < 10; ++i) x.push_back(std::pow(i / 9.0, 2));
  for (int j = 0; j < 12; ++j) y.push_back(std::pow(0.05 + j / 11.0, 1.5));
  const auto r = mc::mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u_x, 47);
  EXPECT_NEAR(r.p, 0.40981138833093633, 1e-12);  // scipy
}

TEST(MannWhitney, IdenticalSamplesGiveOne) {
  EXPECT_EQ(mc::mann_whitney_u({0.9, 0.9, 0.9}, {0.9, 0.9, 0.9}).p, 1.0);  // sigma = 0
  EXPECT_EQ(mc::mann_whitney_u({0.8, 0.9}, {0.8, 0.9}).p, 1.0);
  EXPECT_EQ(mc::mann_whitney_u({1}, {2}).p, 1.0);  // one value each: U in {0, 1}, p = 2 * 1/2
  EXPECT_THROW(mc::mann_whitney_u({}, {1}), modlr::Error);
}

TEST(Bonferroni, MultipliesAndCaps) {
  EXPECT_DOUBLE_EQ(mc::bonferroni(0.01, 3), 0.03);
  EXPECT_EQ(mc::bonferroni(0.4, 3), 1.0);
  EXPECT_EQ(mc::bonferroni(0.4, 0), 0.4);
}

TEST(CliffsDelta, HandWorkedValuesAndThresholds) {
  EXPECT_EQ(mc::cliffs_delta({6, 7, 8}, {1, 2, 3}), 1.0);
  EXPECT_EQ(mc::cliffs_delta({1, 2, 3}, {6, 7, 8}), -1.0);
  // x = {1, 3, 5}, y = {2, 4}: x > y in (3,2), (5,2), (5,4) = 3; x < y in (1,2), (1,4), (3,4) = 3.
  EXPECT_EQ(mc::cliffs_delta({1, 3, 5}, {2, 4}), 0.0);
  // Ties count neither way: {1, 2} vs {2, 3}: > none; < (1,2), (1,3), (2,3) = 3 of 4.
  EXPECT_EQ(mc::cliffs_delta({1, 2}, {2, 3}), -0.75);
  EXPECT_EQ(mc::cliffs_magnitude(0.0), "negligible");
  EXPECT_EQ(mc::cliffs_magnitude(0.146), "negligible");
  EXPECT_EQ(mc::cliffs_magnitude(0.147), "small");
  EXPECT_EQ(mc::cliffs_magnitude(-0.329), "small");
  EXPECT_EQ(mc::cliffs_magnitude(0.33), "medium");
  EXPECT_EQ(mc::cliffs_magnitude(-0.473), "medium");
  EXPECT_EQ(mc::cliffs_magnitude(0.474), "large");
  EXPECT_EQ(mc::cliffs_magnitude(-1.0), "large");
}

TEST(Summarize, MatchesNumPy) {
  // numpy: mean 4.4, median 4, std(ddof=1) = sqrt(21.2 / 4), percentile 25/75 = 3, 5
  const auto s = mc::summarize({2, 8, 4, 5, 3});
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.mean, 4.4);
  EXPECT_DOUBLE_EQ(s.median, 4);
  EXPECT_NEAR(s.stddev, std::sqrt(5.3), 1e-15);
  EXPECT_EQ(s.min, 2);
  EXPECT_EQ(s.max, 8);
  EXPECT_DOUBLE_EQ(s.q1, 3);
  EXPECT_DOUBLE_EQ(s.q3, 5);
  EXPECT_DOUBLE_EQ(mc::quantile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(mc::quantile({1, 2, 3, 4}, 0.25), 1.75);
  EXPECT_TRUE(std::isnan(mc::summarize({1}).stddev));
  EXPECT_THROW(mc::summarize({}), modlr::Error);
}
