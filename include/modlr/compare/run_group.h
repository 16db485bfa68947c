#pragma once
/// Groups of run records read back for comparison (no torch). A group is the set of runs
/// one argument of `modlr compare` / `modlr report` names: typically the repeats of one
/// config over several seeds (`modlr train --seeds`), or the PyTorch twin's runs of it.
///
/// A run is a directory holding summary.json (and metrics.csv, config.yaml) as written by
/// `modlr train` or `reference/train.py`. Only finished runs take part; failed,
/// interrupted and unfinished ones (no summary.json) are skipped with a message.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modlr::compare {

/// A metric's values per epoch, as recorded (validation may skip epochs).
struct Curve {
  std::vector<double> epochs;
  std::vector<double> values;
};

/// One run as read back from its run record.
struct RunData {
  std::string dir, run_id, experiment, status, error;
  int64_t seed = 0;
  int64_t epochs = 0;
  /// "pytorch" for the reference twin (environment.modlr_version "reference-python"),
  /// otherwise "modlr".
  std::string framework;
  /// The data set: the basename of config.yaml's dataset.path (the experiment name if
  /// config.yaml is missing). Groups on one data set are compared whatever else differs
  /// (two models, two settings); groups on different data sets are different workloads.
  std::string workload;
  std::string model;  ///< config.yaml's model.name ("multi-model" for a GAN's models)
  /// config.yaml's leaves by dotted key ("optimizer.lr" -> "0.02"; lists as "[1, 2]").
  std::map<std::string, std::string> config;
  /// Scalar results by key: "test.accuracy", "test.f1_macro", "test.auc_roc", "test.r2",
  /// "test.loss", ... (every number under summary.json's "test"), "train.seconds".
  std::map<std::string, double> values;
  /// "<split>/<metric>" ("train/accuracy", "validation/loss", ...) from metrics.csv.
  std::map<std::string, Curve> curves;
  std::map<std::string, std::string> environment;  ///< summary.json's, threads included
};

struct RunGroup {
  std::string label;                 ///< name in tables and legends
  std::string spec;                  ///< the directory or glob it was loaded from
  std::vector<RunData> runs;         ///< finished runs, ordered by seed, then run id
  std::vector<std::string> skipped;  ///< one message per run left out
  const std::string& workload() const { return runs.front().workload; }
  const std::string& model() const { return runs.front().model; }
  const std::string& framework() const { return runs.front().framework; }
};

/// Reads one run directory. Throws modlr::Error naming the file if summary.json is missing
/// or malformed; metrics.csv and config.yaml are optional (no curves / workload from the
/// experiment name), a malformed metrics.csv row is an error naming the line, and so is a
/// curve past kMaxCurvePoints (dtw.h) points, naming the curve too.
RunData load_run(const std::string& dir);

/// Run directories named by `spec`: a run directory itself, or a directory searched up to
/// three levels down (runs/, runs/<experiment>/, runs/<experiment>/<group>/), or a glob
/// pattern (quote it from the shell) whose matches are searched the same way. Directories
/// that look like runs (config.yaml or metrics.csv) without summary.json count too, so they
/// can be reported as unfinished. Sorted, no duplicates; empty if nothing matches.
std::vector<std::string> find_run_dirs(const std::string& spec);

/// Loads the group named by `spec` ("LABEL=SPEC" sets the label; otherwise the caller
/// labels it). Throws modlr::Error with a message naming `spec` when it holds no runs,
/// no finished runs, runs of different data sets or models, or training curves of
/// different lengths (a group holds repeats of one experiment).
RunGroup load_group(const std::string& spec);

/// Gives every group without a label a short one from what tells the groups apart
/// (group_labels.cpp): the framework when the groups' frameworks differ, then the config
/// values that differ between the groups, "model=lenet1" for model.name and "key=value"
/// otherwise (seed, experiment and tracking.* left out; at most kMaxLabelKeys, then
/// "+N more"); when nothing differs, the framework. A group whose label would be another
/// group's gets its spec.
void label_groups(std::vector<RunGroup>& groups);
inline constexpr size_t kMaxLabelKeys = 3;

/// load_group for each spec, then label_groups.
std::vector<RunGroup> load_groups(const std::vector<std::string>& specs);

}  // namespace modlr::compare
