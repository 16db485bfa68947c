#pragma once
// Private to src/runner: what Runner::load_state restored, consumed by the next fit().
#include <map>
#include <string>
#include <vector>

#include "modlr/runner/runner.h"

namespace modlr {

// Where a resumed run continues: the first epoch to run and, when the checkpoint was taken
// mid-epoch, that epoch's partial state.
struct Runner::Progress {
  int64_t epoch = 1;
  int64_t global_step = 0;
  int64_t skipped_batches = 0;
  int64_t examples_seen = 0;
  BatchLoader::State loader;
  std::map<std::string, torch::Tensor> metrics;
  std::map<std::string, double> objective_sums;
  torch::Tensor rng;  ///< the global CPU generator's state
  /// The gradients of an unfinished accumulation group (runner.accumulate_steps), by
  /// parameter of the one optimizer; empty when the checkpoint was taken between groups.
  std::vector<torch::Tensor> accumulated_gradients;
};

}  // namespace modlr
