#pragma once
/// Pruners stop a trial's run early from its validation curve: step k is the run's k-th
/// validation (runner.validations_per_epoch of them per epoch), so steps mean the same
/// amount of training in every trial whatever its batch size. Decided inside the trial's
/// own process at each validation, from the study's store (tune/study_store.h), as
/// Optuna's pruners decide. No torch here.
///
///   none:   never prunes.
///   median: Optuna's MedianPruner: once `startup_trials` trials are complete and past
///           `warmup_steps`, a run whose best value so far is worse than the median of the
///           complete trials' values at the same step is pruned.
///   asha:   asynchronous successive halving (Li et al., MLSys 2020), as Optuna's
///           SuccessiveHalvingPruner: rungs at steps min_resource * reduction_factor^k; a
///           run reaching a rung continues only if its value there is among the top
///           1/reduction_factor of the values every trial has recorded at that rung
///           (itself included); while fewer than reduction_factor have, only the best
///           continues (trials are never paused, so there is no waiting for a full rung).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modlr/tune/trial.h"

namespace modlr {

struct PrunerOptions {
  std::string name = "none";  ///< none | median | asha
  int64_t startup_trials = 5;
  int64_t warmup_steps = 0;
  int64_t min_resource = 1;
  int64_t reduction_factor = 3;
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  /// Whether the run whose curve so far is `curve` (step -> value; its last step is the
  /// one just reported) stops now. `others`: the study's other trials (its own trial's
  /// other seeds are not among them).
  virtual bool should_prune(const std::map<int64_t, double>& curve, const std::vector<TrialSnapshot>& others) const = 0;
};

/// Throws modlr::Error for an unknown name or an option out of range (naming the option).
std::unique_ptr<Pruner> make_pruner(const PrunerOptions& options, const Objective& objective);

/// The q-th percentile (0..100) of `values` with linear interpolation (numpy's default);
/// NaN when empty.
double percentile(std::vector<double> values, double q);

}  // namespace modlr
