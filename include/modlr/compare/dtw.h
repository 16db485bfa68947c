#pragma once
/// Dynamic time warping between two curves (no torch), used to say how far apart two
/// training curves are even when one runs ahead of the other by an epoch or two.
///
/// Cost of aligning a_i with b_j: |a_i - b_j|. A warping path runs from (0, 0) to
/// (n - 1, m - 1) in steps (1, 0), (0, 1) or (1, 1); its cost is the sum of its cells'
/// costs. DTW distance = the least cost over all paths.
///
/// Normalisation (the bindings study's convention): the least cost divided by the number
/// of cells on that path (when several paths reach the least cost, the shortest one). The
/// result is the mean absolute gap per aligned pair of epochs, in the curve's own units
/// (for accuracy curves: accuracy points), so it does not grow with the number of epochs
/// and curves of different lengths compare on one scale. Dividing by max(n, m) instead
/// would understate the gap when the path is long (up to n + m - 1 cells).
#include <cstddef>
#include <vector>

namespace modlr::compare {

/// The most points one curve may hold when run records are read back for comparison
/// (load_run refuses a longer one, naming the file and the curve). DTW takes O(n m) time:
/// two curves at this limit are 10^10 cells, about half a minute; real runs record one
/// point per epoch, far below it.
constexpr size_t kMaxCurvePoints = 100000;

struct DtwResult {
  double cost = 0;         ///< least total cost
  size_t path_length = 0;  ///< cells on the chosen least-cost path, in [max(n,m), n+m-1]
  double normalized() const { return cost / static_cast<double>(path_length); }
};

/// DTW of `a` and `b` as described above, in O(n m) time and O(min(n, m)) memory (two rows
/// of the table, not the table: curves of 20,000 points would need 6.4 GB for the whole
/// one). Symmetric bit for bit: dtw(a, b) == dtw(b, a). Throws modlr::Error if either curve
/// is empty or holds a NaN or an infinity (callers that know where the curve came from
/// check first and say so: see compare_groups).
DtwResult dtw(const std::vector<double>& a, const std::vector<double>& b);

/// dtw(a, b).normalized().
double normalized_dtw(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace modlr::compare
