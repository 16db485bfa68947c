#pragma once
// Inside a training run (private to src/run): where its record goes, and the parts of a
// data-parallel run (data_parallel_run.cpp) that training_run.cpp uses for rank 0.
#include <cstdint>
#include <memory>
#include <string>

#include "modlr/core/config.h"
#include "modlr/distributed/communicator.h"
#include "modlr/distributed/data_parallel.h"
#include "modlr/distributed/world.h"
#include "modlr/run/training_run.h"
#include "modlr/runner/runner.h"
#include "modlr/tracking/run_record.h"

namespace modlr {

class Experiment;

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
struct RecordPlace {
  std::string dir = "runs", name;
  int64_t seed = 0;
};

/// The place `config` asks for, each key read on its own (run_record_setup.cpp).
RecordPlace record_place(const Config& config);
/// Creates the run's directory: <dir>/<experiment>[/<group>]/<run-id>; fills the summary's
/// experiment and seed.
RunRecord open_record(const Config& config, const std::string& group, RunSummary& summary);
/// The config a resumed run uses: the one its directory recorded, plus the request's --set.
/// Throws when the directory holds a run of another experiment.
Config resume_config(const RunRequest& args);
/// runner.restore(state), its errors prefixed with the checkpoint's path.
void restore_from(Runner& runner, const TrainingState& state, const std::string& path);
/// Fills summary.environment (versions, device, CPU, precision, reproducibility) and threads.
void record_environment(RunSummary& summary, const Experiment& experiment);

// ---- data-parallel runs (data_parallel_run.cpp) ----

/// This process's part of a data-parallel job.
struct RankJob {
  std::unique_ptr<Communicator> communicator;
  std::unique_ptr<DataParallel> data_parallel;
};
/// What rank 0 broadcasts first when its run has nothing left to do (the others exit 0).
inline const char* const kRunAlreadyFinished = "finished";
/// Joins the job (runner.distributed's backend and timeout) and checks that every rank
/// resolved the same config (an error names the first differing key).
std::unique_ptr<RankJob> join_job(WorldOptions world, const Experiment& experiment);
/// Shards the data set's loaders and sets options.data_parallel (gradient sync over the
/// experiment's optimizer stages); ranks > 0 also get their own dropout stream.
void attach_data_parallel(RankJob& job, Experiment& experiment, RunnerOptions& options);
/// Rank 0 sends the checkpoint at `path` ("" = none: a fresh start) to every rank; each
/// loads it into its models and runner. Returns whether one was restored.
bool restore_broadcast(Runner& runner, Experiment& experiment, RankJob& job, const std::string& path);

}  // namespace modlr
