#pragma once
/// A training run built from a config: the one place that turns a config file (and, to
/// resume, a run directory) into a trained, tested and recorded run. It builds the
/// Experiment (runner/experiment.h: the MODLR components), adds the built-in and user hooks,
/// checks the models' shapes before reading data (runner/shape_check.h), loads the data,
/// restores a checkpoint, trains, tests, and writes the run record (tracking/run_record.h),
/// with what each failure leaves behind. `modlr train` (cli/train.cpp) only parses its
/// arguments into a RunRequest; a program of its own may call these functions too.
///
/// Each prints its errors ("modlr: error: ..." on stderr), throws nothing, and returns the
/// process exit status: 0 finished (or nothing to do), 1 failed, 128 + signal when
/// interrupted (SIGINT/SIGTERM stop at the next batch end with a checkpoint).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace modlr {

struct WorldOptions;

struct RunRequest {
  std::string config;                  ///< the config file
  std::vector<std::string> overrides;  ///< "section.key=value", as `--set` gives them
  std::string resume;                  ///< a run directory to continue ("" = a new run)
  /// A study's trial run (tune/trial_hook.h): the study's directory and the trial's number,
  /// as `modlr tune` starts its trials ("" = not a trial).
  std::string tune_study;
  int64_t tune_trial = -1;
};

/// Trains (or resumes) one run. A non-empty `group` puts its record in
/// <tracking.dir>/<experiment>/<group>/. With `world`, this process is rank 0 of a
/// data-parallel run. A failure after the run directory exists leaves summary.json with
/// "status": "failed" and the error; a resume that fails before it changes anything leaves
/// the directory byte for byte as it was.
int train_run(const RunRequest& request, const std::string& group = "", const WorldOptions* world = nullptr);

/// One run per seed of `seeds` ("1-5", "1,2,7"), each its own run record (seed set as by
/// `--set seed=N`), under one fresh group directory <tracking.dir>/<experiment>/group-<UTC
/// time>/, printed at the end. A seed that fails does not stop the others (exit 1 if any
/// failed); an interrupt stops the group.
int train_seed_group(const RunRequest& request, const std::string& seeds);

/// One rank of a data-parallel run started by `--nproc` or torchrun: rank 0 is train_run
/// with a communicator; the others train alongside it and write nothing.
int train_rank(const RunRequest& request, const WorldOptions& world);

/// The seeds of a `--seeds` value, in order. Throws modlr::Error on a malformed list, a
/// reversed range or a repeated seed.
std::vector<int64_t> parse_seeds(const std::string& text);
/// The most seeds one --seeds may name (each is a whole training run).
constexpr size_t kMaxSeeds = 1000;

}  // namespace modlr
