#include "modlr/compare/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "modlr/core/error.h"

namespace modlr::compare {
namespace {

void require_values(const std::vector<double>& values, const char* what) {
  if (values.empty()) throw Error(std::string(what) + ": empty sample");
}

// Number of arrangements of n1 x-values and n2 y-values (as ranks 1..N) with each U
// value, U counting the y-values below each x-value. Adding the i-th smallest value as
// the k-th x adds (i - k) to U: the y-values already placed below it. Counts are doubles
// because C(N, n1) overflows 64 bits for large samples; only ratios are used.
std::vector<double> u_distribution(size_t n1, size_t n2) {
  const size_t u_max = n1 * n2;
  std::vector<std::vector<double>> counts(n1 + 1, std::vector<double>(u_max + 1, 0.0));
  counts[0][0] = 1;
  for (size_t i = 1; i <= n1 + n2; ++i) {
    for (size_t k = std::min(i, n1); k >= 1; --k) {
      const size_t shift = i - k;
      if (shift > n2) continue;  // more y-values below than there are
      for (size_t u = u_max; u + 1 > shift; --u) counts[k][u] += counts[k - 1][u - shift];
    }
  }
  return counts[n1];
}

double exact_two_sided(double u_min, size_t n1, size_t n2) {
  const auto counts = u_distribution(n1, n2);
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double tail = 0;
  for (size_t u = 0; u < counts.size() && static_cast<double>(u) <= u_min; ++u) tail += counts[u];
  return std::min(1.0, 2 * tail / total);
}

// Sum of (t^3 - t) over the groups of tied values in the pooled, sorted sample.
double tie_term(std::vector<double> pooled) {
  std::sort(pooled.begin(), pooled.end());
  double sum = 0;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
    const double t = static_cast<double>(j - i);
    sum += t * t * t - t;
    i = j;
  }
  return sum;
}

}  // namespace

double quantile(std::vector<double> values, double q) {
  require_values(values, "quantile");
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

Summary summarize(const std::vector<double>& values) {
  require_values(values, "summarize");
  Summary s;
  s.n = values.size();
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.stddev = s.n > 1 ? std::sqrt(squares / static_cast<double>(s.n - 1)) : std::numeric_limits<double>::quiet_NaN();
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.median = quantile(values, 0.5);
  s.q1 = quantile(values, 0.25);
  s.q3 = quantile(values, 0.75);
  return s;
}

MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y) {
  require_values(x, "Mann-Whitney U");
  require_values(y, "Mann-Whitney U");
  MannWhitney result;
  for (double a : x)
    for (double b : y) result.u_x += a > b ? 1.0 : a == b ? 0.5 : 0.0;
  const double n1 = static_cast<double>(x.size()), n2 = static_cast<double>(y.size());
  result.u_y = n1 * n2 - result.u_x;
  std::vector<double> pooled(x);
  pooled.insert(pooled.end(), y.begin(), y.end());
  const double ties = tie_term(pooled);
  if (ties == 0 && std::min(x.size(), y.size()) <= 8) {
    result.exact = true;
    result.p = exact_two_sided(std::min(result.u_x, result.u_y), x.size(), y.size());
    return result;
  }
  const double n = n1 + n2;
  const double variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (variance <= 0) return result;  // every value tied: no evidence of a difference
  result.z = (std::max(result.u_x, result.u_y) - n1 * n2 / 2 - 0.5) / std::sqrt(variance);
  result.p = std::min(1.0, std::erfc(result.z / std::sqrt(2.0)));  // 2 * (1 - Phi(z))
  return result;
}

double bonferroni(double p, size_t comparisons) {
  return std::min(1.0, p * static_cast<double>(std::max<size_t>(comparisons, 1)));
}

double cliffs_delta(const std::vector<double>& x, const std::vector<double>& y) {
  require_values(x, "Cliff's delta");
  require_values(y, "Cliff's delta");
  double dominance = 0;
  for (double a : x)
    for (double b : y) dominance += (a > b) - (a < b);
  return dominance / (static_cast<double>(x.size()) * static_cast<double>(y.size()));
}

std::string cliffs_magnitude(double delta) {
  const double size = std::abs(delta);
  if (size < 0.147) return "negligible";
  if (size < 0.33) return "small";
  if (size < 0.474) return "medium";
  return "large";
}

}  // namespace modlr::compare
