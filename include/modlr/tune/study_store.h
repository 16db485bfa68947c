#pragma once
/// Where a study lives: one SQL database (tracking/sql_database.h) that the study's driver
/// (`modlr tune`), its trial processes and any further drivers share. By default it is the
/// study directory's study.db (SQLite, WAL mode: one host); with `--storage URL` it is a
/// schema in a PostgreSQL database (tracking/postgres.h), which drivers on several hosts
/// join (`--join NAME`). Each write is one transaction, so a kill at any moment loses at
/// most the report being written, never a finished trial. No torch here.
///
/// Tables: study (its settings, as JSON), trials (params, state, value), runs (one per
/// trial and seed: run directory, state, epochs trained), reports (each run's validation
/// value per step), owners (each driver's heartbeat, to tell a stopped driver's trials
/// from a live one's). A StudyStore is used by one thread; every process opens its own.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modlr/tracking/sql_database.h"
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
  std::string config;  ///< the run's resolved config (YAML), as its run record has it
};

/// Which database a study is in. A study directory names it: its study.storage file (a
/// PostgreSQL study) when it has one, else its study.db (SQLite).
struct StudyLocation {
  std::string sqlite_path;     ///< the SQLite file; "" for PostgreSQL
  std::string postgres_url;    ///< libpq's URL of the database
  std::string postgres_study;  ///< the study's name there: its tables are schema "modlr_<name>"

  static StudyLocation sqlite(const std::string& path) { return {path, "", ""}; }
  /// Throws unless `study` is 1-48 of [A-Za-z0-9_.-] (it names a schema).
  static StudyLocation postgres(const std::string& url, const std::string& study);
  /// The location `dir` names (above). Throws naming `dir` when it is not a study directory.
  static StudyLocation of_directory(const std::string& dir);
  /// A study.storage file's text (JSON: postgres_url, study); errors name `source`.
  static StudyLocation parse_storage(const std::string& text, const std::string& source);
  /// Whether `dir` holds a study (study.db or study.storage).
  static bool is_study_directory(const std::string& dir);
  /// For PostgreSQL: writes `dir`/study.storage (mode 0600: a URL may carry a password).
  void write_to(const std::string& dir) const;
  /// The file, or "study NAME in URL" (URL without its password): what messages name.
  std::string describe() const;
};

class StudyStore {
 public:
  /// Creates the study at `location` (an SQLite file that must not exist yet, or a
  /// PostgreSQL study name not yet taken in that database).
  static StudyStore create(const StudyLocation& location, const StudySettings& settings);
  /// Opens an existing study. Throws naming the file or the study if it is missing, not a
  /// database, unreachable, or not a modlr study (no or unreadable settings).
  static StudyStore open(const StudyLocation& location);

  const StudySettings& settings() const { return settings_; }
  /// What messages call the study (StudyLocation::describe).
  const std::string& name() const { return name_; }

  /// Claims a trial for `owner`: the lowest-numbered waiting one (its attempt counted up),
  /// else a new number while the study has fewer than settings().trials trials, its
  /// params from `sample(history, number)`, called under the write lock so that two
  /// drivers never claim the same number. nullopt when there is nothing left to claim.
  std::optional<TrialSnapshot> claim(
      const std::function<TrialParams(const std::vector<TrialSnapshot>&, int64_t)>& sample, const std::string& owner);
  /// The attempt a trial is on (1, then 2 after a requeue, ...).
  int64_t attempt(int64_t trial);

  /// A trial's run starts (called by the trial process, with its run directory and its
  /// resolved config).
  void start_run(int64_t trial, int64_t seed, const std::string& run_dir, const std::string& config);
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
  StudyStore(std::unique_ptr<SqlDatabase> database, std::string name)
      : database_(std::move(database)), name_(std::move(name)) {}
  static StudyStore connect(const StudyLocation& location, bool create);
  std::vector<TrialSnapshot> trials_unlocked();
  std::unique_ptr<SqlDatabase> database_;
  std::string name_;
  StudySettings settings_;
};

/// The settings as JSON text and back (errors name `source`).
std::string settings_json(const StudySettings& settings);
StudySettings settings_from_json(const std::string& text, const std::string& source);

}  // namespace modlr
