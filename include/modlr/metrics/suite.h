#pragma once
/// Metrics over a stream of batches, in the reset / update / compute style.
///
/// Classification names: accuracy, precision_macro, recall_macro, f1_macro, auc_roc
///   (macro one-vs-rest over softmax probabilities), confusion_matrix.
/// Regression names: mse, rmse, mae, r2.
/// Generative (a GAN's discriminator outputs): d_real, d_fake: the mean discriminator
///   probability sigmoid(logit) over real (target 1) and generated (target 0) examples;
///   class_accuracy, judge_accuracy: rates a conditional GAN's loss reports (loss/gan.h,
///   LossOutput::rates), hits over trials; undefined when the loss reports none.
/// Translation: bleu: corpus BLEU (0-100, sacreBLEU's formula, metrics/bleu.h) of output
///   token ids against reference token ids, each row one sentence: ids > 0 are tokens, 0 is
///   nothing (padding, markers), negative ids match no output (a reference word outside the
///   vocabulary). On one vocabulary's tokens it equals BLEU on the tokenised words.
#include <array>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "modlr/loss/loss.h"
#include "modlr/metrics/bleu.h"
#include "modlr/metrics/classification.h"
#include "modlr/metrics/regression.h"

namespace modlr {

/// Names valid for `task` (what `metrics.train` / `metrics.eval` may list).
std::vector<std::string> metric_names(Task task);
/// Metrics a loss measures in evaluation only (bleu: a search; judge_accuracy: the judge),
/// which `metrics.train` may not list.
bool evaluation_only_metric(const std::string& name);

class MetricSuite {
 public:
  /// Throws modlr::Error naming an unknown metric (or one that does not fit the task).
  MetricSuite(Task task, std::vector<std::string> names);

  bool empty() const { return names_.empty(); }
  void reset();
  /// Classification: predictions = logits [B, K], targets = class indices [B].
  /// Regression: predictions and targets of the same number of elements.
  /// Generative: discriminator logits [N] and targets [N] (1 = real, 0 = generated).
  /// Translation: output ids [N, L] and reference ids [N, T] as above.
  void update(const torch::Tensor& predictions, const torch::Tensor& targets);
  /// Adds the rates a loss measured (LossOutput::rates) that this suite was asked for.
  void update_rates(const std::map<std::string, Rate>& rates);
  /// Scalar metrics by name (confusion_matrix excluded; see confusion_matrix()). A metric
  /// the data leaves undefined (see undefined()) is NaN, never an exception.
  std::map<std::string, double> compute() const;
  /// The requested metrics the data seen so far leaves undefined, with the reason: auc_roc
  /// when no class has both positive and negative examples (one class in the split), r2
  /// when the targets are all equal.
  std::map<std::string, std::string> undefined() const;
  /// Rows of the confusion matrix if it was requested; empty otherwise.
  std::vector<std::vector<int64_t>> confusion_matrix() const;

  /// The accumulated state, exactly, as named tensors (for checkpoints), and its inverse.
  std::map<std::string, torch::Tensor> state() const;
  void restore(const std::map<std::string, torch::Tensor>& state);
  /// Adds what another suite (same task and metrics) accumulated: counts and sums add,
  /// AUC's scores append. Merging the shards of a split, in order, gives the metrics of
  /// the whole split (data-parallel runs).
  void merge(const MetricSuite& other);
  /// A suite of the same task and metrics with nothing accumulated.
  MetricSuite empty_like() const { return MetricSuite(task_, names_); }

 private:
  bool wants(const std::string& name) const;
  std::string undefined_reason(const std::string& name) const;
  void update_classification(const torch::Tensor& logits, const torch::Tensor& targets);
  void update_generative(const torch::Tensor& logits, const torch::Tensor& targets);
  void update_translation(const torch::Tensor& outputs, const torch::Tensor& references);

  Task task_;
  std::vector<std::string> names_;
  bool needs_scores_ = false;
  int64_t classes_ = 0;
  std::unique_ptr<metrics::ConfusionMatrix> confusion_;
  std::vector<float> scores_;     ///< softmax probabilities, row-major [n, classes]
  std::vector<int64_t> targets_;  ///< kept for auc_roc
  metrics::RegressionAccumulator regression_;
  /// Generative: sum of sigmoid(logit) and count, for real [0] and generated [1] examples.
  std::array<double, 2> probability_sums_{}, probability_counts_{};
  bleu::Score bleu_;                                    ///< translation: the counts so far
  std::map<std::string, std::array<double, 2>> rates_;  ///< requested rates: {hits, trials}
};

}  // namespace modlr
