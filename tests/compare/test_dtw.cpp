// DTW on hand-worked sequences (cost |a_i - b_j|, normalised by the path's cell count),
// against the full-table algorithm on random curves, and on curves too long for a table.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <random>
#include <vector>

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

TEST(Dtw, RejectsEmptyAndNonFiniteCurves) {
  EXPECT_THROW(mc::dtw({}, {1}), modlr::Error);
  EXPECT_THROW(mc::dtw({1, NAN}, {1}), modlr::Error);
  try {
    mc::dtw({1}, {0, 1, INFINITY});
    FAIL() << "expected an error";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(), "DTW: curve b holds an infinity at index 2");
  }
}

namespace {

// The whole n x m table, as dtw() kept it before it kept two rows: the reference that the
// two-row version must match bit for bit.
mc::DtwResult full_table_dtw(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<mc::DtwResult>> t(n, std::vector<mc::DtwResult>(m));
  const auto less = [](const mc::DtwResult& x, const mc::DtwResult& y) {
    return x.cost < y.cost || (x.cost == y.cost && x.path_length < y.path_length);
  };
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) {
      const double cost = std::abs(a[i] - b[j]);
      if (i == 0 && j == 0) {
        t[i][j] = {cost, 1};
        continue;
      }
      mc::DtwResult best{INFINITY, 0};
      if (i > 0 && less(t[i - 1][j], best)) best = t[i - 1][j];
      if (j > 0 && less(t[i][j - 1], best)) best = t[i][j - 1];
      if (i > 0 && j > 0 && less(t[i - 1][j - 1], best)) best = t[i - 1][j - 1];
      t[i][j] = {best.cost + cost, best.path_length + 1};
    }
  return t[n - 1][m - 1];
}

// `length` values: on a grid of quarter steps when `coarse` (many cells cost the same, so
// paths of equal cost and different lengths tie), otherwise continuous.
std::vector<double> random_curve(std::mt19937& rng, size_t length, bool coarse) {
  std::uniform_real_distribution<double> uniform(0, 1);
  std::uniform_int_distribution<int> grid(0, 4);
  std::vector<double> curve(length);
  for (auto& v : curve) v = coarse ? 0.25 * grid(rng) : uniform(rng);
  return curve;
}

}  // namespace

TEST(Dtw, TwoRowsMatchTheFullTableOnRandomCurves) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> length(1, 40);
  for (int trial = 0; trial < 400; ++trial) {
    const bool coarse = trial % 2 == 0;
    const auto a = random_curve(rng, length(rng), coarse);
    const auto b = random_curve(rng, length(rng), coarse);
    const auto want = full_table_dtw(a, b);
    for (const auto& got : {mc::dtw(a, b), mc::dtw(b, a)}) {
      EXPECT_EQ(got.cost, want.cost) << "trial " << trial;  // bit for bit, not near
      EXPECT_EQ(got.path_length, want.path_length) << "trial " << trial;
    }
  }
}

TEST(Dtw, LongCurvesNeedNoTable) {
  // 20,000 x 20,000 cells: the whole table would take 6.4 GB; two rows take 640 KB.
  const size_t n = 20000;
  std::vector<double> a(n), b(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = 1 - std::exp(-static_cast<double>(i) / 2000);
    b[i] = 1 - std::exp(-static_cast<double>(i + 100) / 2000);  // a few epochs ahead
  }
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const auto r = mc::dtw(a, b);
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "peak memory grew (KiB)";
  EXPECT_GE(r.path_length, n);
  EXPECT_LE(r.path_length, 2 * n - 1);
  EXPECT_GT(r.normalized(), 0);
  EXPECT_LT(r.normalized(), 1 - std::exp(-100.0 / 2000));  // below the diagonal's largest gap
}
