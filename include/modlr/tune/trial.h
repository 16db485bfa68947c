#pragma once
/// A study's trials as the samplers and pruners see them. No torch here; plain values.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "modlr/tune/search_space.h"

namespace modlr {

/// waiting: claimed params, to be (re)run (a trial interrupted by a stopped study);
/// running: a worker has it; complete: every seed finished; pruned: stopped by the pruner;
/// failed: a run failed (its error is kept).
enum class TrialState { waiting, running, complete, pruned, failed };
const char* trial_state_name(TrialState state);
/// Throws modlr::Error for an unknown name.
TrialState trial_state_from_name(const std::string& name);

/// What the study optimises: a validation metric (`validation.accuracy`), up or down.
struct Objective {
  std::string metric = "validation.accuracy";  ///< "validation.<metric of the run's eval metrics or loss>"
  bool maximize = true;
  /// The metric's name inside the validation results ("accuracy").
  std::string metric_name() const;
  /// True when `a` is strictly better than `b`.
  bool better(double a, double b) const { return maximize ? a > b : a < b; }
};

/// One trial: its parameters, its value (the mean over its seeds of each run's last
/// validation value) and its curve (the mean over seeds of the value at each report step:
/// step k is the k-th validation of a run).
struct TrialSnapshot {
  int64_t number = 0;
  TrialState state = TrialState::running;
  TrialParams params;
  std::optional<double> value;
  std::map<int64_t, double> curve;
  /// The step of its last report (0 when none): how far a pruned trial got.
  int64_t last_step() const { return curve.empty() ? 0 : curve.rbegin()->first; }
};

}  // namespace modlr
