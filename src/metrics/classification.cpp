#include "modlr/metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "modlr/core/error.h"

namespace modlr::metrics {

ConfusionMatrix::ConfusionMatrix(int num_classes) : num_classes_(num_classes) {
  if (num_classes <= 0) {
    throw Error("ConfusionMatrix: num_classes must be > 0, got " + std::to_string(num_classes));
  }
  counts_.assign(static_cast<size_t>(num_classes) * static_cast<size_t>(num_classes), 0);
}

void ConfusionMatrix::check_label(int64_t label, const char* what) const {
  if (label < 0 || label >= num_classes_) {
    throw Error(std::string("ConfusionMatrix: ") + what + " label " + std::to_string(label) + " out of range [0, " +
                std::to_string(num_classes_) + ")");
  }
}

void ConfusionMatrix::add(int64_t target, int64_t predicted) {
  check_label(target, "target");
  check_label(predicted, "predicted");
  ++counts_[static_cast<size_t>(target * num_classes_ + predicted)];
  ++total_;
}

void ConfusionMatrix::add_batch(const int64_t* targets, const int64_t* predicted, size_t n) {
  if (n == 0) return;
  if (targets == nullptr || predicted == nullptr) {
    throw Error("ConfusionMatrix::add_batch: null pointer with n = " + std::to_string(n));
  }
  // Validate everything first so a bad label cannot leave a half-counted batch behind.
  for (size_t i = 0; i < n; ++i) {
    check_label(targets[i], "target");
    check_label(predicted[i], "predicted");
  }
  for (size_t i = 0; i < n; ++i) {
    ++counts_[static_cast<size_t>(targets[i] * num_classes_ + predicted[i])];
  }
  total_ += static_cast<int64_t>(n);
}

int64_t ConfusionMatrix::at(int64_t target, int64_t predicted) const {
  check_label(target, "target");
  check_label(predicted, "predicted");
  return counts_[static_cast<size_t>(target * num_classes_ + predicted)];
}

void ConfusionMatrix::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
}

std::vector<std::vector<int64_t>> ConfusionMatrix::rows() const {
  std::vector<std::vector<int64_t>> out;
  out.reserve(static_cast<size_t>(num_classes_));
  for (int t = 0; t < num_classes_; ++t) {
    auto begin = counts_.begin() + static_cast<ptrdiff_t>(t) * num_classes_;
    out.emplace_back(begin, begin + num_classes_);
  }
  return out;
}

void ConfusionMatrix::add_count(int64_t target, int64_t predicted, int64_t count) {
  if (count < 0) throw Error("confusion matrix: negative count " + std::to_string(count));
  check_label(target, "target");
  check_label(predicted, "predicted");
  counts_[static_cast<size_t>(target * num_classes_ + predicted)] += count;
  total_ += count;
}

int64_t ConfusionMatrix::target_count(int cls) const {
  int64_t sum = 0;
  for (int p = 0; p < num_classes_; ++p) sum += at(cls, p);
  return sum;
}

int64_t ConfusionMatrix::predicted_count(int cls) const {
  int64_t sum = 0;
  for (int t = 0; t < num_classes_; ++t) sum += at(t, cls);
  return sum;
}

namespace {

// Per-class statistics the macro metrics share.
struct ClassStats {
  int64_t tp = 0;
  int64_t target_count = 0;     // TP + FN
  int64_t predicted_count = 0;  // TP + FP
};

double safe_ratio(int64_t num, int64_t den) {
  // sklearn zero_division=0: an undefined ratio contributes 0 rather than NaN.
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

double precision_of(const ClassStats& s) { return safe_ratio(s.tp, s.predicted_count); }
double recall_of(const ClassStats& s) { return safe_ratio(s.tp, s.target_count); }

double f1_of(const ClassStats& s) {
  const double p = precision_of(s);
  const double r = recall_of(s);
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

// Stats for classes present in targets or predictions; absent classes would otherwise
// drag every macro average toward 0 just because num_classes was generous.
std::vector<ClassStats> present_classes(const ConfusionMatrix& cm, const char* metric) {
  if (cm.total() == 0) {
    throw Error(std::string(metric) + ": confusion matrix is empty");
  }
  std::vector<ClassStats> out;
  for (int c = 0; c < cm.num_classes(); ++c) {
    ClassStats s{cm.at(c, c), cm.target_count(c), cm.predicted_count(c)};
    if (s.target_count > 0 || s.predicted_count > 0) out.push_back(s);
  }
  return out;
}

template <typename PerClass>
double macro_mean(const ConfusionMatrix& cm, const char* metric, PerClass per_class) {
  const std::vector<ClassStats> stats = present_classes(cm, metric);
  double sum = 0.0;
  for (const ClassStats& s : stats) sum += per_class(s);
  return sum / static_cast<double>(stats.size());  // total() > 0 ⇒ at least one class
}

}  // namespace

double accuracy(const ConfusionMatrix& cm) {
  if (cm.total() == 0) throw Error("accuracy: confusion matrix is empty");
  int64_t correct = 0;
  for (int c = 0; c < cm.num_classes(); ++c) correct += cm.at(c, c);
  return static_cast<double>(correct) / static_cast<double>(cm.total());
}

double precision_macro(const ConfusionMatrix& cm) { return macro_mean(cm, "precision_macro", precision_of); }

double recall_macro(const ConfusionMatrix& cm) { return macro_mean(cm, "recall_macro", recall_of); }

double f1_macro(const ConfusionMatrix& cm) { return macro_mean(cm, "f1_macro", f1_of); }

namespace {

// Mann-Whitney AUC over n (score, positive) pairs read through the accessors. Returns
// NaN when there are no positives or no negatives, so callers choose to throw or skip.
template <typename ScoreAt, typename PositiveAt>
double mann_whitney_auc(size_t n, ScoreAt score_at, PositiveAt positive_at) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score_at(a) < score_at(b); });
  double positive_rank_sum = 0.0;
  size_t n_pos = 0;
  for (size_t start = 0; start < n;) {
    size_t end = start + 1;
    while (end < n && score_at(order[end]) == score_at(order[start])) ++end;
    // Tied scores share the mean of ranks start+1..end, so each tied pos/neg pair adds 1/2.
    const double avg_rank = 0.5 * static_cast<double>(start + 1 + end);
    for (size_t k = start; k < end; ++k) {
      if (positive_at(order[k])) {
        positive_rank_sum += avg_rank;
        ++n_pos;
      }
    }
    start = end;
  }
  const size_t n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nan("");
  const double p = static_cast<double>(n_pos);
  const double u = positive_rank_sum - p * (p + 1.0) / 2.0;
  return u / (p * static_cast<double>(n_neg));
}

void check_no_nan(const std::vector<float>& scores, const char* fn) {
  // NaN breaks the strict weak ordering std::sort relies on (undefined behaviour).
  for (float s : scores) {
    if (std::isnan(s)) throw Error(std::string(fn) + ": scores contain NaN");
  }
}

}  // namespace

double auc_roc_binary(const std::vector<float>& scores, const std::vector<uint8_t>& is_positive) {
  if (scores.size() != is_positive.size()) {
    throw Error("auc_roc_binary: " + std::to_string(scores.size()) + " scores but " +
                std::to_string(is_positive.size()) + " labels");
  }
  check_no_nan(scores, "auc_roc_binary");
  const double auc = mann_whitney_auc(
      scores.size(), [&](size_t i) { return scores[i]; }, [&](size_t i) { return is_positive[i] != 0; });
  if (std::isnan(auc)) {
    throw Error("auc_roc_binary: need at least one positive and one negative example");
  }
  return auc;
}

namespace {

void check_ovr_inputs(const std::vector<float>& scores, const std::vector<int64_t>& targets, int num_classes) {
  if (num_classes <= 0) {
    throw Error("auc_roc_ovr_macro: num_classes must be > 0, got " + std::to_string(num_classes));
  }
  if (scores.size() != targets.size() * static_cast<size_t>(num_classes)) {
    throw Error("auc_roc_ovr_macro: expected " + std::to_string(targets.size()) + " x " + std::to_string(num_classes) +
                " scores, got " + std::to_string(scores.size()));
  }
  for (int64_t t : targets) {
    if (t < 0 || t >= num_classes) {
      throw Error("auc_roc_ovr_macro: target label " + std::to_string(t) + " out of range [0, " +
                  std::to_string(num_classes) + ")");
    }
  }
  check_no_nan(scores, "auc_roc_ovr_macro");
}

}  // namespace

double auc_roc_ovr_macro(const std::vector<float>& scores, const std::vector<int64_t>& targets, int num_classes) {
  check_ovr_inputs(scores, targets, num_classes);
  const size_t k = static_cast<size_t>(num_classes);
  double sum = 0.0;
  int qualifying = 0;
  for (size_t c = 0; c < k; ++c) {
    const double auc = mann_whitney_auc(
        targets.size(), [&](size_t i) { return scores[i * k + c]; },
        [&](size_t i) { return targets[i] == static_cast<int64_t>(c); });
    if (std::isnan(auc)) continue;  // class lacks positives or negatives: AUC undefined
    sum += auc;
    ++qualifying;
  }
  if (qualifying == 0) {
    throw Error("auc_roc_ovr_macro: no class has both positive and negative examples");
  }
  return sum / qualifying;
}

}  // namespace modlr::metrics
