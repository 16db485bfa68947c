#pragma once
/// The run record (see README "Run record"): runs/<experiment>/<run-id>/ with config.yaml,
/// metrics.csv, summary.json (atomic) and checkpoints/. A run never writes into another
/// run's directory, so earlier runs and their checkpoints are never touched.
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modlr {

/// One evaluated split beside the main test split (a source's extra test split).
struct SplitSummary {
  std::string name;
  double seconds = 0;
  std::map<std::string, double> metrics;
  std::map<std::string, std::string> undefined;  ///< metric -> why the split leaves it undefined
  std::vector<std::vector<int64_t>> confusion_matrix;
};

/// Everything summary.json holds. Metrics maps are flattened into their section.
struct RunSummary {
  std::string experiment;
  std::string run_id;
  int64_t seed = 0;
  std::string status = "running";  ///< running | finished | failed | interrupted
  std::string error;               ///< set when status is failed
  int64_t train_epochs = 0;
  /// Written as null when the run had no `timing` hook (runner.builtin_hooks left it out):
  /// an unmeasured time is never reported as 0.
  std::optional<double> train_seconds;
  std::map<std::string, double> train_breakdown_seconds;  ///< data, forward, loss, backward, step
  std::map<std::string, double> train_metrics;            ///< last epoch's training metrics
  double test_seconds = 0;
  /// test.seconds split as the bindings study split inference: cutting and moving batches,
  /// and computing (forward, loss, metrics).
  double test_load_seconds = 0, test_compute_seconds = 0;
  std::map<std::string, double> test_metrics;  ///< loss, accuracy, f1_macro, auc_roc, ...
  /// Test metrics the split leaves undefined (null in summary.json, reason under
  /// "test"."undefined"): a metric the data cannot define never fails a trained run.
  std::map<std::string, std::string> test_undefined;
  std::vector<std::vector<int64_t>> test_confusion_matrix;
  /// Extra test splits, written as "extra_tests": {name: {seconds, metrics..., confusion_matrix}}
  /// after "test" (the key is absent when there are none).
  std::vector<SplitSummary> extra_tests;
  /// The data source's baselines on the test split, written as "baselines": {name:
  /// {metrics...}} after "test" (absent when there are none); `seconds` is unused.
  std::vector<SplitSummary> baselines;
  /// The early_stopping hook's best weights, written as "best": {file, epoch, monitor,
  /// value, restored} when it kept any (epoch > 0); `restored`: the run tested them.
  struct Best {
    std::string file, monitor;
    int64_t epoch = 0;
    double value = 0;
    bool restored = false;
  } best;
  bool stopped_early = false;  ///< training ended before its last epoch (written under "train")
  /// The data's class names by index (image folders), written as "classes" when known.
  std::vector<std::string> classes;
  /// Examples the data source skipped ("PATH: reason"), written as "skipped_examples":
  /// {"count": N, "first": [at most 10]} when there are any.
  std::vector<std::string> skipped_examples;
  std::map<std::string, std::string> environment;
  int64_t threads = 0;
  std::vector<std::pair<std::string, std::string>> data_files;  ///< path, sha256
  std::vector<std::string> checkpoints;                         ///< relative to the run dir
};

class RunRecord {
 public:
  /// Creates a fresh directory <runs_dir>/<experiment>/<run-id>; run-id is the UTC time,
  /// the seed and, if needed, a counter that makes it unique. Throws naming the directory.
  static RunRecord create(const std::string& runs_dir, const std::string& experiment, int64_t seed);
  /// Opens an existing run directory to continue it (--resume); metrics.csv is appended to.
  /// Opening writes nothing.
  static RunRecord reopen(const std::string& dir);
  /// Both hold an exclusive lock (flock on the run directory) for as long as any copy of the
  /// record lives; a second writer or resumer of the same run gets modlr::Error
  /// "<dir>: in use by another modlr process". The lock goes with the process.
  const std::string& dir() const { return dir_; }
  const std::string& run_id() const { return run_id_; }
  std::string checkpoint_dir() const { return dir_ + "/checkpoints"; }

  void write_config(const std::string& yaml_text) const;
  /// Appends a row "epoch,split,metric,value" to metrics.csv and flushes it.
  void append_metric(int64_t epoch, const std::string& split, const std::string& metric, double value);
  /// Current length of metrics.csv in bytes, and cutting it back to such a length (rows
  /// written after a checkpoint are dropped when the run resumes from it).
  uint64_t metrics_bytes() const;
  void truncate_metrics(uint64_t bytes);
  /// Appends a row "step,epoch,split,metric,value" to step_metrics.csv, created with that
  /// header by its first row: validations inside an epoch (runner.validate_every_steps).
  void append_step_metric(int64_t step, int64_t epoch, const std::string& split, const std::string& metric,
                          double value);
  /// step_metrics.csv's length (0 while there is none), and cutting it back (0 removes it).
  uint64_t step_metrics_bytes() const;
  void truncate_step_metrics(uint64_t bytes);
  /// Writes summary.json atomically (temporary file, then rename).
  void write_summary(const RunSummary& summary) const;
  /// What the directory holds now: summary.json's "status" and config.yaml's text; "" when
  /// the file is absent, not a regular file, over 1 MiB or (summary) not a JSON object.
  std::string recorded_status() const;
  std::string recorded_config() const;

 private:
  std::string dir_;
  std::string run_id_;
  std::shared_ptr<std::ofstream> metrics_;
  std::shared_ptr<const int> lock_;  ///< the locked directory's file descriptor
  void lock();
};

/// Creates a fresh directory <parent>/<prefix><UTC time>[-N] (creating `parent` too; mkdir
/// is the atomic claim, as for run ids) and returns its name: seed groups ("group-") and
/// tuning studies ("study-"). Throws naming the directory it cannot create.
std::string claim_stamped_directory(const std::string& parent, const std::string& prefix);

/// summary.json text for `summary` (exposed for tests).
std::string summary_json(const RunSummary& summary);

}  // namespace modlr
