#pragma once
/// Streaming regression metrics (MSE, RMSE, MAE, R²) over plain float arrays, no torch.
///
/// Everything is accumulated in double in a single pass, so batches can be fed as they
/// come and no values are stored. The target variance needed by R² uses Welford's update
/// (running mean + sum of squared deviations) rather than sum(y²) - (sum y)²/n, which
/// cancels catastrophically when targets sit far from zero (e.g. many targets near 1e7).
#include <cstddef>
#include <vector>

namespace modlr::metrics {

class RegressionAccumulator {
 public:
  /// Adds n (predicted, target) pairs. n == 0 is a no-op. Throws modlr::Error, leaving the
  /// accumulator unchanged, if a pointer is null with n > 0 or any value is NaN/infinite.
  void add(const float* predicted, const float* target, size_t n);

  /// Mean squared error, mean of (predicted - target)². Throws modlr::Error if count() == 0.
  double mse() const;

  /// sqrt(mse()). Throws modlr::Error if count() == 0.
  double rmse() const;

  /// Mean absolute error, mean of |predicted - target|. Throws modlr::Error if count() == 0.
  double mae() const;

  /// Coefficient of determination 1 - SS_res / SS_tot, SS_tot taken about the mean of the
  /// targets; in (-inf, 1], negative when worse than predicting the mean. Throws
  /// modlr::Error if count() == 0 or SS_tot == 0 (all targets equal: R² is undefined).
  double r2() const;

  /// Number of pairs added since construction or the last reset().
  size_t count() const { return count_; }
  /// True when every target added so far is equal (then R² is undefined).
  bool targets_constant() const { return target_sq_dev_ == 0.0; }

  /// Forgets every pair added.
  void reset();

  /// The accumulator's exact internal state (for checkpoints), and its inverse: restoring a
  /// saved state continues the stream bit for bit. Throws modlr::Error on a malformed state.
  std::vector<double> state() const;
  void restore(const std::vector<double>& state);
  /// Adds the pairs another accumulator saw (Chan et al.'s pairwise update of the target
  /// mean and M2): the result equals having seen both streams, up to rounding.
  void merge(const RegressionAccumulator& other);

 private:
  void require_nonempty(const char* metric) const;

  size_t count_ = 0;
  double sum_sq_residual_ = 0.0;
  double sum_abs_residual_ = 0.0;
  double target_mean_ = 0.0;    // Welford running mean of the targets
  double target_sq_dev_ = 0.0;  // Welford M2: sum of squared deviations from the mean = SS_tot
};

}  // namespace modlr::metrics
