// `modlr tune`: the arguments into a TuneRequest (tune/study.h, where the study runs).
#include "modlr/cli/commands.h"
#include "modlr/core/error.h"
#include "modlr/metrics/direction.h"
#include "modlr/tune/study.h"

namespace modlr::cli {

int tune(const TuneArgs& args) {
  if (args.resume.empty() && args.join.empty() && (args.config.empty() || args.space.empty()))
    return guarded([]() -> int {
      throw Error("tune: give CONFIG and --space SPACE.yaml, --resume STUDY_DIR, or --join NAME --storage URL");
    });
  TuneRequest request;
  request.config = args.config;
  request.overrides = args.overrides;
  request.space = args.space;
  request.study_dir = args.study_dir;
  request.resume = args.resume;
  request.storage = args.storage;
  request.study_name = args.study_name;
  request.join = args.join;
  request.seeds = args.seeds;
  auto& s = request.settings;
  s.objective.metric = args.metric;
  s.objective.maximize =
      args.direction == "max" || (args.direction == "auto" && !lower_is_better(s.objective.metric_name()));
  s.sampler = {args.sampler, args.study_seed, args.startup_trials, args.candidates};
  s.pruner = {args.pruner, args.pruner_startup_trials, args.pruner_warmup_steps, args.min_resource,
              args.reduction_factor};
  s.trials = args.trials;
  s.parallel = args.parallel;
  s.validations_per_epoch = args.validations_per_epoch;
  return tune_study(request);
}

}  // namespace modlr::cli
