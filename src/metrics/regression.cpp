#include "modlr/metrics/regression.h"

#include <cmath>
#include <string>

#include "modlr/core/error.h"

namespace modlr::metrics {

void RegressionAccumulator::add(const float* predicted, const float* target, size_t n) {
  if (n == 0) return;
  if (predicted == nullptr || target == nullptr) {
    throw Error("RegressionAccumulator::add: null pointer with n = " + std::to_string(n));
  }
  // Validate first: one non-finite value would silently poison every later metric.
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(predicted[i]) || !std::isfinite(target[i])) {
      throw Error("RegressionAccumulator::add: non-finite value at index " + std::to_string(i));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double y = target[i];
    const double residual = static_cast<double>(predicted[i]) - y;
    sum_sq_residual_ += residual * residual;
    sum_abs_residual_ += std::fabs(residual);
    ++count_;
    const double delta = y - target_mean_;
    target_mean_ += delta / static_cast<double>(count_);
    target_sq_dev_ += delta * (y - target_mean_);
  }
}

void RegressionAccumulator::require_nonempty(const char* metric) const {
  if (count_ == 0) {
    throw Error(std::string("RegressionAccumulator::") + metric + ": no values added");
  }
}

double RegressionAccumulator::mse() const {
  require_nonempty("mse");
  return sum_sq_residual_ / static_cast<double>(count_);
}

double RegressionAccumulator::rmse() const {
  require_nonempty("rmse");
  return std::sqrt(sum_sq_residual_ / static_cast<double>(count_));
}

double RegressionAccumulator::mae() const {
  require_nonempty("mae");
  return sum_abs_residual_ / static_cast<double>(count_);
}

double RegressionAccumulator::r2() const {
  require_nonempty("r2");
  // Welford keeps M2 at exactly 0 for constant targets, so == 0 is a reliable test here.
  if (target_sq_dev_ == 0.0) {
    throw Error("RegressionAccumulator::r2: all targets are equal, R^2 is undefined");
  }
  return 1.0 - sum_sq_residual_ / target_sq_dev_;
}

void RegressionAccumulator::reset() { *this = RegressionAccumulator(); }

std::vector<double> RegressionAccumulator::state() const {
  return {static_cast<double>(count_), sum_sq_residual_, sum_abs_residual_, target_mean_, target_sq_dev_};
}

void RegressionAccumulator::restore(const std::vector<double>& state) {
  if (state.size() != 5 || state[0] < 0) throw Error("regression metric state: malformed");
  count_ = static_cast<size_t>(state[0]);
  sum_sq_residual_ = state[1];
  sum_abs_residual_ = state[2];
  target_mean_ = state[3];
  target_sq_dev_ = state[4];
}

void RegressionAccumulator::merge(const RegressionAccumulator& other) {
  if (other.count_ == 0) return;
  const double n_a = static_cast<double>(count_), n_b = static_cast<double>(other.count_);
  const double n = n_a + n_b, delta = other.target_mean_ - target_mean_;
  target_sq_dev_ += other.target_sq_dev_ + delta * delta * n_a * n_b / n;
  target_mean_ += delta * n_b / n;
  sum_sq_residual_ += other.sum_sq_residual_;
  sum_abs_residual_ += other.sum_abs_residual_;
  count_ += other.count_;
}

}  // namespace modlr::metrics
