#pragma once
/// `modlr tune`: a hyper-parameter study. The driver claims trials from the study's store
/// (study_store.h), each with parameters from its sampler (sampler.h), and runs each trial
/// as `modlr train` processes (one per seed, one after another; up to `parallel` trials at
/// once), each a normal run record under <study>/runs/. The trial's process reports every
/// validation to the store and asks the pruner (pruner.h) whether to stop (trial_hook.h).
///
/// The study directory: study.db (or, for a study in PostgreSQL, study.storage), space.yaml, runs/<experiment>/<run-id>/ (the trials'
/// run records), logs/trial-<n>-seed-<s>.log (each run's output), and when the study ends
/// summary.json (every trial, best first) and best.yaml (the best trial's resolved config,
/// ready to train). A study stopped by SIGINT/SIGTERM or killed continues with
/// `--resume DIR`: finished trials are kept and never rerun; trials that were running are
/// run again from their start with the same parameters.
///
/// Several hosts: with `storage` (a PostgreSQL URL) the store is a schema in that database,
/// and a driver on any host with the same config, data and `modlr` joins the study with
/// `join` (its name); each host's trials keep their run records in its own study directory.
///
/// Reproducibility: with parallel 1 a study is a function of its settings (the sampler
/// sees the same history in the same order); with parallel > 1 the history a trial's
/// sampler sees depends on which trials finished first, as in every asynchronous search.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/tune/study_store.h"

namespace modlr {

struct TuneRequest {
  std::string config;                  ///< the experiment config
  std::vector<std::string> overrides;  ///< `--set` for every trial
  std::string space;                   ///< SPACE.yaml
  std::string study_dir;               ///< "" = <tracking.dir>/<experiment>/study-<UTC time>
  std::string resume;                  ///< an existing study directory to continue (the rest is ignored)
  std::string storage;                 ///< a PostgreSQL URL to keep the study in; "" = <study_dir>/study.db
  std::string study_name;              ///< its name there; "" = the study directory's name
  std::string join;                    ///< a study in `storage` to join (config and space come from it)
  std::string seeds;                   ///< `--seeds` syntax ("1-3"); "" = the config's seed
  StudySettings settings;              ///< objective, sampler, pruner, trials, parallel, validations_per_epoch
  std::string modlr_binary;            ///< the `modlr` that runs the trials; "" = this process's executable
};

/// Runs (or resumes) a study and prints its trials as they end and a summary at the end.
/// Returns the exit status: 0 when every trial finished (complete or pruned), 1 on an
/// error or when a trial failed (the study still runs the rest), 128 + signal when stopped.
/// Errors before the first trial (a bad space, key, metric or option) print one line and
/// create nothing.
int tune_study(const TuneRequest& request);

/// What a study needs to know of its experiment.
struct ExperimentFacts {
  std::string experiment;    ///< its name
  std::string tracking_dir;  ///< tracking.dir
  int64_t seed = 0;          ///< the config's seed
};
/// Checks the space against the experiment (tune/space_check.cpp): builds the experiment
/// (settings.config with settings.overrides) with each parameter at each end of its range
/// (each choice), so an unknown key, a wrong type or a value the experiment refuses is an
/// error naming the space key and value; also that the experiment has validation data.
/// Reads no data. Returns the facts of the experiment as configured.
ExperimentFacts check_space_against_config(const StudySettings& settings, const SearchSpace& space);

}  // namespace modlr
