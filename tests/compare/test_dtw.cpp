// DTW on hand-worked sequences (cost |a_i - b_j|, normalised by the path's cell count).
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/compare/dtw.h"
#include "modlr/core/error.h"

namespace mc = modlr::compare;

TEST(Dtw, IdenticalCurvesAreZeroOnTheDiagonal) {
  const auto r = mc::dtw({0.1, 0.5, 0.9}, {0.1, 0.5, 0.9});
  EXPECT_EQ(r.cost, 0);
  EXPECT_EQ(r.path_length, 3u);
  EXPECT_EQ(r.normalized(), 0);
}

TEST(Dtw, ShiftedCurveWarpsInsteadOfPayingEveryEpoch) {
  // a = 1 2 3, b = 2 3 4. Diagonal: 1 + 1 + 1 = 3 over 3 cells. Path (0,0) (1,0) (2,1)
  // (2,2): |1-2| + |2-2| + |3-3| + |3-4| = 2 over 4 cells; every path pays (0,0) and
  // (2,2), so 2 is least and 4 cells is the shortest way to reach it: 2/4 = 0.5.
  const auto r = mc::dtw({1, 2, 3}, {2, 3, 4});
  EXPECT_DOUBLE_EQ(r.cost, 2);
  EXPECT_EQ(r.path_length, 4u);
  EXPECT_DOUBLE_EQ(r.normalized(), 0.5);
}

TEST(Dtw, UnequalLengths) {
  // a = 0 0 1, b = 0 1: (0,0) (1,0) (2,1) costs 0.
  EXPECT_EQ(mc::dtw({0, 0, 1}, {0, 1}).cost, 0);
  EXPECT_EQ(mc::dtw({0, 0, 1}, {0, 1}).path_length, 3u);
  // a = 0, b = 1 2 3: the only path is the row: (1 + 2 + 3) / 3 = 2.
  const auto r = mc::dtw({0}, {1, 2, 3});
  EXPECT_EQ(r.cost, 6);
  EXPECT_EQ(r.path_length, 3u);
  EXPECT_DOUBLE_EQ(mc::normalized_dtw({0}, {1, 2, 3}), 2);
  EXPECT_DOUBLE_EQ(mc::normalized_dtw({1, 2, 3}, {0}), 2);  // symmetric
}

TEST(Dtw, EqualCostPrefersTheShortestPath) {
  // a = b = 0 0: the diagonal (2 cells) and the L-shaped paths (3 cells) all cost 0.
  EXPECT_EQ(mc::dtw({0, 0}, {0, 0}).path_length, 2u);
  // Constant curves 0.25 apart: every cell costs 0.25, so the diagonal (4 cells) is
  // least: 4 * 0.25 / 4.
  EXPECT_DOUBLE_EQ(mc::normalized_dtw({0, 0, 0, 0}, {0.25, 0.25, 0.25, 0.25}), 0.25);
  // A warped path beats the diagonal: b is a + 0.25 and a rises by 0.1 per step; the
  // path (0,0) (1,0) (2,0) (3,1) (3,2) (3,3) costs .25 + .15 + .05 + .05 + .15 + .25 = 0.9
  // < 1.0 (diagonal) over 6 cells.
  const auto warped = mc::dtw({0.5, 0.6, 0.7, 0.8}, {0.75, 0.85, 0.95, 1.05});
  EXPECT_NEAR(warped.cost, 0.9, 1e-12);
  EXPECT_EQ(warped.path_length, 6u);
}

TEST(Dtw, RejectsEmptyAndNaNCurves) {
  EXPECT_THROW(mc::dtw({}, {1}), modlr::Error);
  EXPECT_THROW(mc::dtw({1, NAN}, {1}), modlr::Error);
}
