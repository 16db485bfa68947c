#pragma once
/// The comparison `modlr compare` prints and `modlr report` tabulates (no torch): per
/// metric and group the summary statistics; per metric and pair of groups on the same
/// data set (whatever model or setting they differ in) a two-sided Mann-Whitney U test (Bonferroni-corrected over that metric's
/// pairwise tests) and Cliff's delta; per pair the normalised DTW distance of the
/// training-accuracy curves.
#include <string>
#include <vector>

#include "modlr/compare/run_group.h"
#include "modlr/compare/stats.h"

namespace modlr::compare {

struct MetricInfo {
  std::string key;    ///< RunData::values key, e.g. "test.accuracy"
  std::string label;  ///< e.g. "test accuracy"
};
/// The compared metrics in table order: test accuracy, F1 (macro), AUC-ROC, R^2,
/// training seconds, inference (test) seconds. A metric is compared for a group only when
/// every run of the group has it (R^2 only for regression, AUC only for classification).
const std::vector<MetricInfo>& compared_metrics();

struct GroupStats {
  std::string metric;          ///< MetricInfo::key
  size_t group = 0;            ///< index into the groups
  std::vector<double> values;  ///< one per run, in the group's run order
  Summary summary;
};

struct PairTest {
  std::string metric;
  size_t a = 0, b = 0;     ///< group indices, a < b
  MannWhitney u;           ///< of group a's values against group b's
  size_t comparisons = 0;  ///< tests of this metric (the Bonferroni factor)
  double p_corrected = 1;  ///< bonferroni(u.p, comparisons)
  double delta = 0;        ///< Cliff's delta of a against b (> 0: a larger)
  std::string magnitude;   ///< cliffs_magnitude(delta)
};

/// Normalised DTW (see dtw.h) between two groups' training-accuracy curves.
struct CurveDistance {
  size_t a = 0, b = 0;
  double mean_curves = 0;                ///< between the groups' mean curves (mean over seeds per epoch)
  double pairs_mean = 0, pairs_max = 0;  ///< over the seed pairs' individual curves
  size_t pairs = 0;
  /// True when both groups hold the same seeds: run i of a pairs with the run of b with
  /// the same seed. Otherwise every run of a pairs with every run of b.
  bool by_seed = false;
  /// Empty when the distances are defined. Otherwise why not, naming the run directory and
  /// the curve: "RUN_DIR: train/accuracy holds NaN at epoch 3" (a diverged run records
  /// NaN; an aligned gap to NaN means nothing). Then the distances are NaN and pairs 0.
  std::string undefined_reason;
  bool defined() const { return undefined_reason.empty(); }
};

struct Comparison {
  std::vector<std::string> labels, workloads, models, frameworks;  ///< per group (workload: data set)
  std::vector<size_t> run_counts;                                  ///< finished runs per group
  std::vector<GroupStats> stats;
  std::vector<PairTest> tests;
  std::vector<CurveDistance> curves;
  std::vector<std::string> notes;  ///< skipped runs and pairs not compared, one line each
};

/// Compares `groups` (at least one; labelled, see label_groups). Only groups on the same
/// data set are tested against each other (two models, two settings); with
/// `require_same_workload`, groups on different data sets are an error naming both. Curves holding NaN or infinities are not
/// an error: their pair's CurveDistance is undefined, with the reason.
Comparison compare_groups(const std::vector<RunGroup>& groups, bool require_same_workload);

/// Per-epoch mean over the group's runs of curve `key` ("train/accuracy"); empty when a
/// run lacks it. The runs' curves have equal lengths (load_group checks "train/accuracy";
/// other curves are cut to the shortest).
std::vector<double> mean_curve(const RunGroup& group, const std::string& key);

}  // namespace modlr::compare
