#pragma once
/// The run index (`modlr runs`): every run record under a tracking directory, with its
/// resolved config and results, in <tracking.dir>/index.db (SQLite). `modlr train` notes
/// each run there when it ends (so do a study's trials, under the study's runs/); the
/// index is a cache of the run records, never their only copy: refresh() re-reads every run
/// whose summary.json changed and drops runs whose directory is gone, so runs copied in,
/// deleted or killed before they could note themselves are listed as they are. No torch.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modlr::compare {

/// One run as listed.
struct IndexedRun {
  std::string dir;  ///< absolute
  std::string run_id, experiment, status, error;
  int64_t seed = 0, epochs = 0;
  std::map<std::string, std::string> config;  ///< config.yaml's leaves by dotted key
  std::map<std::string, double> values;       ///< "test.accuracy", "train.seconds", ... (run_group.h)
  /// A field by key: run, dir, experiment, status, seed, epochs, a value or a config key.
  std::optional<std::string> field(const std::string& key) const;
  std::optional<double> number(const std::string& key) const;
};

class RunIndex {
 public:
  /// Opens (creating it) <runs_dir>/index.db. Throws naming it when it is not a database.
  static RunIndex open(const std::string& runs_dir);
  ~RunIndex();
  RunIndex(RunIndex&&) noexcept;

  /// Brings the index up to date with the run directories under runs_dir (up to three
  /// levels down: experiments, seed groups) and returns them, sorted by directory. A run
  /// whose summary.json is missing or unreadable is listed with status "unfinished" or
  /// "unreadable" (and its reason as error).
  std::vector<IndexedRun> refresh();
  /// Re-reads one run directory into the index.
  void update(const std::string& run_dir);

 private:
  struct State;
  explicit RunIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// `modlr train`'s note of a finished, failed or interrupted run in <tracking_dir>/index.db.
/// Never throws: a run's record is complete without its index entry, so a failure (a locked
/// or corrupt index) is one warning on stderr, and the next `modlr runs` re-reads the run.
void note_run_in_index(const std::string& tracking_dir, const std::string& run_dir) noexcept;

}  // namespace modlr::compare
