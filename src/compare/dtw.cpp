#include "modlr/compare/dtw.h"

#include <cmath>
#include <string>

#include "modlr/core/error.h"

namespace modlr::compare {
namespace {

void check_curve(const std::vector<double>& curve, const char* name) {
  if (curve.empty()) throw Error(std::string("DTW: curve ") + name + " is empty");
  for (size_t i = 0; i < curve.size(); ++i)
    if (!std::isfinite(curve[i]))
      throw Error(std::string("DTW: curve ") + name + " holds " + (std::isnan(curve[i]) ? "NaN" : "an infinity") +
                  " at index " + std::to_string(i));
}

// Least (cost, length): the smaller cost, then the shorter path. Exact comparison of
// costs is right here: equal costs arise from equal sums of the same cells.
struct Cell {
  double cost;
  size_t length;
  bool operator<(const Cell& other) const { return cost < other.cost || (cost == other.cost && length < other.length); }
};

// The least of the predecessors that exist (null: outside the table). The order they are
// looked at does not matter: the least (cost, length) is the same whichever comes first.
Cell least(const Cell* up, const Cell* left, const Cell* diagonal) {
  const Cell* best = nullptr;
  for (const Cell* c : {up, left, diagonal})
    if (c && (!best || *c < *best)) best = c;
  return *best;
}

}  // namespace

DtwResult dtw(const std::vector<double>& a, const std::vector<double>& b) {
  check_curve(a, "a");
  check_curve(b, "b");
  // Cell (i, j) depends only on row i - 1 and on row i left of j, so two rows suffice.
  // Swapping the curves transposes the table without changing a cell (|x - y| == |y - x|
  // exactly), so the shorter curve runs along the rows: O(min(n, m)) memory.
  const auto& outer = a.size() >= b.size() ? a : b;
  const auto& inner = a.size() >= b.size() ? b : a;
  const size_t m = inner.size();
  std::vector<Cell> previous(m), current(m);
  for (size_t i = 0; i < outer.size(); ++i) {
    for (size_t j = 0; j < m; ++j) {
      const double cost = std::abs(outer[i] - inner[j]);
      if (i == 0 && j == 0) {
        current[0] = {cost, 1};
        continue;
      }
      const Cell best = least(i > 0 ? &previous[j] : nullptr, j > 0 ? &current[j - 1] : nullptr,
                              i > 0 && j > 0 ? &previous[j - 1] : nullptr);
      current[j] = {best.cost + cost, best.length + 1};
    }
    previous.swap(current);
  }
  return {previous[m - 1].cost, previous[m - 1].length};
}

double normalized_dtw(const std::vector<double>& a, const std::vector<double>& b) { return dtw(a, b).normalized(); }

}  // namespace modlr::compare
