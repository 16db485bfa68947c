#include "modlr/compare/dtw.h"

#include <cmath>
#include <string>

#include "modlr/core/error.h"

namespace modlr::compare {
namespace {

void check_curve(const std::vector<double>& curve, const char* name) {
  if (curve.empty()) throw Error(std::string("DTW: curve ") + name + " is empty");
  for (double v : curve)
    if (std::isnan(v)) throw Error(std::string("DTW: curve ") + name + " holds NaN");
}

// Least (cost, length): the smaller cost, then the shorter path. Exact comparison of
// costs is right here: equal costs arise from equal sums of the same cells.
struct Cell {
  double cost;
  size_t length;
  bool operator<(const Cell& other) const {
    return cost < other.cost || (cost == other.cost && length < other.length);
  }
};

}  // namespace

DtwResult dtw(const std::vector<double>& a, const std::vector<double>& b) {
  check_curve(a, "a");
  check_curve(b, "b");
  const size_t n = a.size(), m = b.size();
  std::vector<Cell> table(n * m);
  auto at = [&](size_t i, size_t j) -> Cell& { return table[i * m + j]; };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < m; ++j) {
      const double cost = std::abs(a[i] - b[j]);
      if (i == 0 && j == 0) {
        at(i, j) = {cost, 1};
        continue;
      }
      Cell best{INFINITY, 0};
      if (i > 0 && at(i - 1, j) < best) best = at(i - 1, j);
      if (j > 0 && at(i, j - 1) < best) best = at(i, j - 1);
      if (i > 0 && j > 0 && at(i - 1, j - 1) < best) best = at(i - 1, j - 1);
      at(i, j) = {best.cost + cost, best.length + 1};
    }
  }
  return {at(n - 1, m - 1).cost, at(n - 1, m - 1).length};
}

double normalized_dtw(const std::vector<double>& a, const std::vector<double>& b) {
  return dtw(a, b).normalized();
}

}  // namespace modlr::compare
