#pragma once
// Inside `modlr train` (private to src/cli): one run, and where its record goes. The seed
// group (train_seeds.cpp) runs train_one once per seed.
#include <cstdint>
#include <memory>
#include <string>

#include "modlr/cli/commands.h"
#include "modlr/core/config.h"
#include "modlr/distributed/communicator.h"
#include "modlr/distributed/data_parallel.h"
#include "modlr/runner/runner.h"

namespace modlr {
class Experiment;
}

namespace modlr::cli {

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
struct RecordPlace {
  std::string dir = "runs", name;
  int64_t seed = 0;
};

/// The place `config` asks for, each key read on its own (see train.cpp).
RecordPlace record_place(const Config& config);

/// Trains (or with args.resume, resumes) one run; a non-empty `group` puts its record in
/// <dir>/<experiment>/<group>/. Returns the exit status: 0 finished (or nothing to do),
/// 1 failed, 128 + signal when interrupted. Prints its errors; throws nothing. With
/// `world`, this process is rank 0 of a data-parallel run (train_distributed.cpp).
int train_one(const TrainArgs& args, const std::string& group, const WorldOptions* world = nullptr);

// ---- data-parallel runs (train_distributed.cpp) ----

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
/// One rank of a data-parallel run started by `--nproc` or torchrun.
int train_rank(const TrainArgs& args, const WorldOptions& world);

/// `modlr train --seeds`: one run per seed in a fresh group directory.
int train_seeds(const TrainArgs& args);

}  // namespace modlr::cli
