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

namespace modlr {

class Experiment;

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
struct RecordPlace {
  std::string dir = "runs", name;
  int64_t seed = 0;
};

/// The place `config` asks for, each key read on its own (see training_run.cpp).
RecordPlace record_place(const Config& config);

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
