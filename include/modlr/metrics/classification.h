#pragma once
/// Classification metrics over plain std containers (no torch): a confusion matrix with
/// macro-averaged accuracy/precision/recall/F1, and rank-based ROC AUC.
///
/// Conventions follow scikit-learn so numbers can be compared with published results:
///  - Macro averages are the unweighted mean over the classes that are *present*, i.e.
///    that occur at least once in the targets or in the predictions (sklearn's default
///    `labels = unique_labels(y_true, y_pred)`). Classes seen in neither are ignored.
///  - A zero denominator gives 0 for that class (sklearn `zero_division=0`), and the
///    class still counts in the mean: a class that is never predicted has precision 0.
///  - Macro F1 is the mean of per-class F1, not F1 of macro precision and macro recall.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace modlr::metrics {

/// Counts of (target, predicted) pairs; row = true class, column = predicted class.
class ConfusionMatrix {
 public:
  /// Throws modlr::Error if num_classes <= 0.
  explicit ConfusionMatrix(int num_classes);

  /// Counts one example. Throws modlr::Error if either label is outside [0, num_classes).
  void add(int64_t target, int64_t predicted);

  /// Counts n examples. All labels are validated before any is counted, so a throw
  /// (out-of-range label, or a null pointer with n > 0) leaves the matrix unchanged.
  void add_batch(const int64_t* targets, const int64_t* predicted, size_t n);

  /// Count for (target, predicted). Throws modlr::Error if either is out of range.
  int64_t at(int64_t target, int64_t predicted) const;

  /// Number of examples counted so far.
  int64_t total() const { return total_; }

  int num_classes() const { return num_classes_; }

  /// Sets every count to zero; num_classes is kept.
  void reset();

  /// Copy of the matrix as num_classes rows of num_classes counts (row = target).
  std::vector<std::vector<int64_t>> rows() const;
  /// Adds `count` (>= 0) examples of (target, predicted) at once, e.g. to restore a
  /// checkpointed matrix from rows(). Throws like add().
  void add_count(int64_t target, int64_t predicted, int64_t count);

  /// Examples whose target is `cls` (row sum). `cls` must be in range.
  int64_t target_count(int cls) const;

  /// Examples predicted as `cls` (column sum). `cls` must be in range.
  int64_t predicted_count(int cls) const;

 private:
  void check_label(int64_t label, const char* what) const;

  int num_classes_;
  std::vector<int64_t> counts_;  // row-major [num_classes, num_classes]
  int64_t total_ = 0;
};

/// Fraction of examples on the diagonal, in [0, 1]. Throws modlr::Error if total() == 0.
double accuracy(const ConfusionMatrix& cm);

/// Macro precision: mean over present classes of TP / (TP + FP), 0 when nothing was
/// predicted as that class. Throws modlr::Error if total() == 0.
double precision_macro(const ConfusionMatrix& cm);

/// Macro recall: mean over present classes of TP / (TP + FN), 0 when the class never
/// occurs as a target. Throws modlr::Error if total() == 0.
double recall_macro(const ConfusionMatrix& cm);

/// Macro F1: mean over present classes of 2PR / (P + R), 0 when P + R == 0.
/// Equals sklearn f1_score(average='macro'). Throws modlr::Error if total() == 0.
double f1_macro(const ConfusionMatrix& cm);

/// Binary ROC AUC = P(score of a random positive > score of a random negative), with
/// tied pairs counting 1/2 (Mann-Whitney U with average ranks), in [0, 1]. O(n log n).
/// scores and is_positive have the same length; is_positive is nonzero for positives.
/// Throws modlr::Error on a size mismatch, a NaN score, or if there is not at least one
/// positive and one negative example (AUC is undefined then).
double auc_roc_binary(const std::vector<float>& scores, const std::vector<uint8_t>& is_positive);

/// One-vs-rest macro ROC AUC. scores is row-major [n, num_classes] (e.g. softmax
/// probabilities), targets has n labels in [0, num_classes). Each class's binary AUC is
/// computed as in auc_roc_binary; the result is the unweighted mean over classes that have
/// at least one positive and one negative example, the others being skipped. Equals
/// sklearn roc_auc_score(y, scores, multi_class='ovr', average='macro') when every class
/// occurs in targets. Throws modlr::Error on num_classes <= 0, a size mismatch, a label
/// out of range, a NaN score, or if no class qualifies.
double auc_roc_ovr_macro(const std::vector<float>& scores, const std::vector<int64_t>& targets, int num_classes);

}  // namespace modlr::metrics
