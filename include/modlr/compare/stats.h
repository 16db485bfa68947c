#pragma once
/// Statistics for comparing groups of runs (no torch): summary statistics, the two-sided
/// Mann-Whitney U test, Bonferroni correction and Cliff's delta.
///
/// Conventions follow SciPy 1.10 (`scipy.stats.mannwhitneyu(x, y, alternative="two-sided")`
/// with its default `method="auto"`, `use_continuity=True`), so p-values can be checked
/// against it (tests/compare/make_stats_fixtures.py generates the pinned values):
///  - exact p when there are no ties and at least one sample has at most 8 values;
///  - otherwise the normal approximation with tie correction and continuity correction.
#include <cstddef>
#include <string>
#include <vector>

namespace modlr::compare {

/// Location and spread of one sample. For n = 1 the standard deviation is NaN.
struct Summary {
  size_t n = 0;
  double mean = 0, median = 0;
  double stddev = 0;  ///< sample standard deviation (n - 1 in the denominator)
  double min = 0, max = 0;
  double q1 = 0, q3 = 0;  ///< quartiles, linear interpolation (NumPy's default)
};
/// Summary of `values`. Throws modlr::Error if `values` is empty.
Summary summarize(const std::vector<double>& values);
/// The q-quantile (0 <= q <= 1) of `values` by linear interpolation between order
/// statistics (NumPy `percentile` default, R type 7). Throws on an empty sample.
double quantile(std::vector<double> values, double q);

/// Result of a two-sided Mann-Whitney U test of samples x (size n1) and y (size n2).
struct MannWhitney {
  double u_x = 0;      ///< U of x: pairs (x_i, y_j) with x_i > y_j, ties counting 1/2
  double u_y = 0;      ///< n1 * n2 - u_x
  double p = 1;        ///< two-sided p-value, in [0, 1]
  bool exact = false;  ///< exact null distribution (else normal approximation)
  double z = 0;        ///< standardised statistic of the normal approximation (0 if exact)
};
/// Two-sided Mann-Whitney U test. Exact p = min(1, 2 P(U <= min(u_x, u_y))) under the
/// null distribution of U (all C(n1+n2, n1) rank arrangements equally likely), used when
/// there are no ties and min(n1, n2) <= 8. Otherwise
///   z = (max(u_x, u_y) - n1 n2 / 2 - 0.5) / sigma,
///   sigma^2 = n1 n2 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))),  N = n1 + n2,
/// t running over the sizes of the groups of tied values, and p = min(1, 2 (1 - Phi(z))).
/// All values tied (sigma = 0) gives p = 1. Throws modlr::Error if either sample is empty.
MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y);

/// Bonferroni-corrected p-value for one of `comparisons` tests: min(1, p * comparisons).
double bonferroni(double p, size_t comparisons);

/// Cliff's delta of x against y: (#{x_i > y_j} - #{x_i < y_j}) / (n1 n2), in [-1, 1];
/// positive when x tends to be larger. Throws modlr::Error if either sample is empty.
double cliffs_delta(const std::vector<double>& x, const std::vector<double>& y);
/// Magnitude of a Cliff's delta by Romano et al. (2006): |d| < 0.147 "negligible",
/// < 0.33 "small", < 0.474 "medium", otherwise "large".
std::string cliffs_magnitude(double delta);

}  // namespace modlr::compare
