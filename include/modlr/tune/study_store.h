#pragma once
/// Where a study lives: one SQLite database (tracking/sqlite.h, WAL mode) that the study's
/// driver (`modlr tune`), its trial processes and any further drivers on the same study
/// (`modlr tune --resume DIR` run twice) share. Each write is one transaction, so a kill at
/// any moment loses at most the report being written, never a finished trial. No torch here.
///
/// Tables: study (its settings, as JSON), trials (params, state, value), runs (one per
/// trial and seed: run directory, state, epochs trained), reports (each run's validation
/// value per step), owners (each driver's heartbeat, to tell a stopped driver's trials
/// from a live one's). A StudyStore is used by one thread; every process opens its own.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "modlr/tracking/sqlite.h"
#include "modlr/tune/pruner.h"
#include "modlr/tune/sampler.h"
#include "modlr/tune/trial.h"

namespace modlr {

/// Everything that defines a study; stored with it, so `--resume DIR` needs nothing else.
struct StudySettings {
  std::string config;                  ///< the experiment config's path (absolute)
  std::vector<std::string> overrides;  ///< `--set` given to every trial
  std::string space_text;              ///< the search space, as YAML
  Objective objective;
  SamplerOptions sampler;
  PrunerOptions pruner;
  int64_t trials = 0;                 ///< trials the study runs in all
  int64_t parallel = 1;               ///< trials at once per driver
  std::vector<int64_t> seeds;         ///< each trial runs once per seed
  int64_t validations_per_epoch = 1;  ///< runner.validations_per_epoch given to every trial
};

/// One run of a trial (one seed), as the store has it.
struct TrialRun {
  int64_t seed = 0;
  std::string run_dir;          ///< "" until the run has started
  std::string state;            ///< running | complete | pruned | failed
  std::optional<double> value;  ///< its last validation value
  double epochs = 0;            ///< epochs trained (fractions for validations inside epochs)
  std::string error;
};

class StudyStore {
 public:
  /// Creates the study database at `path` (which must not exist yet).
  static StudyStore create(const std::string& path, const StudySettings& settings);
  /// Opens an existing study. Throws naming `path` if it is missing, not an SQLite
  /// database, or not a modlr study (no or unreadable settings).
  static StudyStore open(const std::string& path);

  const StudySettings& settings() const { return settings_; }
  const std::string& path() const { return database_.path(); }

  /// Claims a trial for `owner`: the lowest-numbered waiting one (its attempt counted up),
  /// else a new number while the study has fewer than settings().trials trials, its
  /// params from `sample(history, number)`, called under the write lock so that two
  /// drivers never claim the same number. nullopt when there is nothing left to claim.
  std::optional<TrialSnapshot> claim(
      const std::function<TrialParams(const std::vector<TrialSnapshot>&, int64_t)>& sample, const std::string& owner);
  /// The attempt a trial is on (1, then 2 after a requeue, ...).
  int64_t attempt(int64_t trial);

  /// A trial's run starts (called by the trial process, with its run directory).
  void start_run(int64_t trial, int64_t seed, const std::string& run_dir);
  /// A validation value of a trial's run at `step`, after `epochs` epochs of training.
  void report(int64_t trial, int64_t seed, int64_t step, double value, double epochs);
  /// The run's curve so far (step -> value), this attempt only.
  std::map<int64_t, double> run_curve(int64_t trial, int64_t seed);
  /// The run's state: "pruned" by its pruner; "complete" or "failed" when it ended.
  void end_run(int64_t trial, int64_t seed, const std::string& state, const std::string& error = "");
  std::vector<TrialRun> runs(int64_t trial);

  /// Ends a trial: complete (value, spread over seeds), pruned or failed (error).
  void finish(int64_t trial, TrialState state, std::optional<double> value, std::optional<double> spread,
              const std::string& error);
  /// Puts a running trial back to waiting (its driver stopped; the next claim reruns it).
  void requeue(int64_t trial);
  /// Every trial, by number, with its curve (mean over the current attempt's seeds).
  std::vector<TrialSnapshot> trials();
  /// A trial's spread over seeds (sample standard deviation; nullopt with one seed).
  std::optional<double> spread(int64_t trial);
  std::string error(int64_t trial);

  /// The driver `owner` is alive now.
  void heartbeat(const std::string& owner);
  /// Requeues the running trials whose owner is not alive: `is_alive(owner, seconds since
  /// its last heartbeat)`. Returns their numbers.
  std::vector<int64_t> requeue_orphans(const std::function<bool(const std::string&, double)>& is_alive);

 private:
  explicit StudyStore(SqliteDatabase database) : database_(std::move(database)) {}
  std::vector<TrialSnapshot> trials_unlocked();
  SqliteDatabase database_;
  StudySettings settings_;
};

/// The settings as JSON text and back (errors name `source`).
std::string settings_json(const StudySettings& settings);
StudySettings settings_from_json(const std::string& text, const std::string& source);

}  // namespace modlr
