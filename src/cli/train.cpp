// `modlr train`: the arguments into a RunRequest (run/training_run.h, where a run is built,
// trained and recorded), and the choice between a launcher, a rank, a seed group and one run.
#include <algorithm>
#include <optional>

#include "modlr/cli/commands.h"
#include "modlr/core/interrupt.h"
#include "modlr/distributed/launch.h"
#include "modlr/run/training_run.h"

namespace modlr::cli {

int train(const TrainArgs& args) {
  if (args.nproc > 0 || args.nnodes > 1)
    return guarded([&] {
      if (!args.seeds.empty()) throw Error("--seeds and --nproc: train the seeds one after another, each with --nproc");
      if (world_from_environment()) throw Error("--nproc: this process is already a rank of a job (WORLD_SIZE is set)");
      return launch_workers({std::max(args.nproc, 1), args.nnodes, args.node_rank, args.master});
    });
  install_stop_handlers();
  std::optional<WorldOptions> world;
  if (const int status = guarded([&] {
        world = world_from_environment();
        return 0;
      });
      status != 0)
    return status;
  const RunRequest request{args.config, args.overrides, args.resume, args.tune_study, args.tune_trial};
  if (world) {
    if (!args.seeds.empty())
      return guarded([]() -> int { throw Error("--seeds in a data-parallel job: run the seeds one after another"); });
    return train_rank(request, *world);
  }
  if (args.seeds.empty()) return train_run(request);
  if (!args.tune_study.empty())
    return guarded([]() -> int { throw Error("--tune-study runs one seed; the study repeats seeds itself"); });
  return train_seed_group(request, args.seeds);
}

}  // namespace modlr::cli
