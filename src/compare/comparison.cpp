#include "modlr/compare/comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "modlr/compare/dtw.h"
#include "modlr/core/error.h"

namespace modlr::compare {
namespace {

// The values of `metric` for every run of `group`; false if some run lacks it.
bool metric_values(const RunGroup& group, const std::string& metric, std::vector<double>& out) {
  out.clear();
  for (const auto& run : group.runs) {
    const auto found = run.values.find(metric);
    if (found == run.values.end()) return false;
    out.push_back(found->second);
  }
  return true;
}

const std::vector<double>* curve_of(const RunData& run, const std::string& key) {
  const auto found = run.curves.find(key);
  return found == run.curves.end() || found->second.values.empty() ? nullptr : &found->second.values;
}

bool same_seeds(const RunGroup& a, const RunGroup& b) {
  std::vector<int64_t> sa, sb;
  for (const auto& r : a.runs) sa.push_back(r.seed);
  for (const auto& r : b.runs) sb.push_back(r.seed);
  return sa == sb && std::adjacent_find(sa.begin(), sa.end()) == sa.end();
}

// "RUN_DIR: KEY holds NaN at epoch E" for the first non-finite point of `key` in `group`'s
// runs; empty when every point is finite.
std::string non_finite_point(const RunGroup& group, const std::string& key) {
  for (const auto& run : group.runs) {
    const auto& curve = run.curves.at(key);
    for (size_t i = 0; i < curve.values.size(); ++i) {
      const double v = curve.values[i];
      if (std::isfinite(v)) continue;
      char where[48];
      if (i < curve.epochs.size())
        std::snprintf(where, sizeof where, "epoch %g", curve.epochs[i]);
      else
        std::snprintf(where, sizeof where, "point %zu", i + 1);
      return run.dir + ": " + key + " holds " + (std::isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf") + " at " + where;
    }
  }
  return {};
}

bool curve_distance(const RunGroup& a, const RunGroup& b, CurveDistance& out) {
  const std::string key = "train/accuracy";
  const auto mean_a = mean_curve(a, key), mean_b = mean_curve(b, key);
  if (mean_a.empty() || mean_b.empty()) return false;
  out.by_seed = same_seeds(a, b);
  out.undefined_reason = non_finite_point(a, key);
  if (out.undefined_reason.empty()) out.undefined_reason = non_finite_point(b, key);
  if (!out.defined()) {
    out.mean_curves = out.pairs_mean = out.pairs_max = NAN;
    return true;
  }
  out.mean_curves = normalized_dtw(mean_a, mean_b);
  double sum = 0;
  for (size_t i = 0; i < a.runs.size(); ++i)
    for (size_t j = 0; j < b.runs.size(); ++j) {
      if (out.by_seed && i != j) continue;
      const double d = normalized_dtw(*curve_of(a.runs[i], key), *curve_of(b.runs[j], key));
      sum += d;
      out.pairs_max = std::max(out.pairs_max, d);
      ++out.pairs;
    }
  out.pairs_mean = sum / static_cast<double>(out.pairs);
  return true;
}

void add_tests(const std::vector<RunGroup>& groups, const std::vector<std::pair<size_t, size_t>>& pairs,
               Comparison& c) {
  for (const auto& metric : compared_metrics()) {
    std::vector<PairTest> tests;
    for (const auto& [a, b] : pairs) {
      std::vector<double> xa, xb;
      if (!metric_values(groups[a], metric.key, xa) || !metric_values(groups[b], metric.key, xb)) continue;
      PairTest t;
      t.metric = metric.key;
      t.a = a;
      t.b = b;
      t.u = mann_whitney_u(xa, xb);
      t.delta = cliffs_delta(xa, xb);
      t.magnitude = cliffs_magnitude(t.delta);
      tests.push_back(t);
    }
    for (auto& t : tests) {
      t.comparisons = tests.size();
      t.p_corrected = bonferroni(t.u.p, t.comparisons);
      c.tests.push_back(t);
    }
  }
}

}  // namespace

const std::vector<MetricInfo>& compared_metrics() {
  static const std::vector<MetricInfo> metrics = {
      {"test.accuracy", "test accuracy"},    {"test.f1_macro", "test F1 (macro)"},
      {"test.auc_roc", "test AUC-ROC"},      {"test.r2", "test R^2"},
      {"train.seconds", "training seconds"}, {"test.seconds", "inference seconds"}};
  return metrics;
}

std::vector<double> mean_curve(const RunGroup& group, const std::string& key) {
  size_t length = SIZE_MAX;
  for (const auto& run : group.runs) {
    const auto* curve = curve_of(run, key);
    if (!curve) return {};
    length = std::min(length, curve->size());
  }
  std::vector<double> mean(length, 0.0);
  for (const auto& run : group.runs)
    for (size_t e = 0; e < length; ++e) mean[e] += (*curve_of(run, key))[e];
  for (auto& v : mean) v /= static_cast<double>(group.runs.size());
  return mean;
}

Comparison compare_groups(const std::vector<RunGroup>& groups, bool require_same_workload) {
  if (groups.empty()) throw Error("compare: no groups given");
  Comparison c;
  for (const auto& g : groups) {
    c.labels.push_back(g.label);
    c.workloads.push_back(g.workload());
    c.models.push_back(g.model());
    c.frameworks.push_back(g.framework());
    c.run_counts.push_back(g.runs.size());
    for (const auto& message : g.skipped) c.notes.push_back(g.label + ": " + message);
  }
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t a = 0; a < groups.size(); ++a)
    for (size_t b = a + 1; b < groups.size(); ++b) {
      if (groups[a].workload() == groups[b].workload()) {
        pairs.emplace_back(a, b);
        continue;
      }
      const std::string what = "groups '" + groups[a].label + "' (" + groups[a].workload() + ") and '" +
                               groups[b].label + "' (" + groups[b].workload() + ") are different workloads (data sets)";
      if (require_same_workload) throw Error(what + "; compare runs on one data set, or pass --allow-mixed-workloads");
      c.notes.push_back(what + ": not tested against each other");
    }
  for (const auto& metric : compared_metrics())
    for (size_t g = 0; g < groups.size(); ++g) {
      GroupStats s{metric.key, g, {}, {}};
      if (!metric_values(groups[g], metric.key, s.values)) continue;
      s.summary = summarize(s.values);
      c.stats.push_back(std::move(s));
    }
  add_tests(groups, pairs, c);
  for (const auto& [a, b] : pairs) {
    CurveDistance d;
    d.a = a;
    d.b = b;
    if (!curve_distance(groups[a], groups[b], d)) continue;
    c.curves.push_back(d);
    const auto na = mean_curve(groups[a], "train/accuracy").size();
    const auto nb = mean_curve(groups[b], "train/accuracy").size();
    if (na != nb)
      c.notes.push_back("groups '" + groups[a].label + "' and '" + groups[b].label +
                        "' have training curves of different lengths (" + std::to_string(na) + " vs " +
                        std::to_string(nb) +
                        " epochs): DTW aligns them, the other metrics "
                        "compare runs of different lengths");
  }
  return c;
}

}  // namespace modlr::compare
