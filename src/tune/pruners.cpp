// The median and ASHA pruners (tune/pruner.h), with Optuna's rules.
#include <algorithm>
#include <cmath>

#include "modlr/core/error.h"
#include "modlr/tune/pruner.h"

namespace modlr {

double percentile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (position - static_cast<double>(below)) * (values[above] - values[below]);
}

namespace {

class NoPruner : public Pruner {
 public:
  bool should_prune(const std::map<int64_t, double>&, const std::vector<TrialSnapshot>&) const override {
    return false;
  }
};

class MedianPruner : public Pruner {
 public:
  MedianPruner(const PrunerOptions& options, Objective objective)
      : options_(options), objective_(std::move(objective)) {}

  bool should_prune(const std::map<int64_t, double>& curve, const std::vector<TrialSnapshot>& others) const override {
    const int64_t step = curve.rbegin()->first;
    if (step <= options_.warmup_steps) return false;
    std::vector<double> at_step;
    int64_t complete = 0;
    for (const auto& trial : others) {
      if (trial.state != TrialState::complete) continue;
      ++complete;
      if (const auto found = trial.curve.find(step); found != trial.curve.end()) at_step.push_back(found->second);
    }
    if (complete < options_.startup_trials || at_step.empty()) return false;
    double best = NAN;  // the run's best value so far
    for (const auto& [s, value] : curve)
      if (std::isnan(best) || objective_.better(value, best)) best = value;
    if (std::isnan(best)) return true;  // diverged
    const double median = percentile(at_step, 50);
    return objective_.better(median, best);
  }

 private:
  PrunerOptions options_;
  Objective objective_;
};

class AshaPruner : public Pruner {
 public:
  AshaPruner(const PrunerOptions& options, Objective objective) : options_(options), objective_(std::move(objective)) {}

  bool should_prune(const std::map<int64_t, double>& curve, const std::vector<TrialSnapshot>& others) const override {
    const auto [step, value] = *curve.rbegin();
    if (std::isnan(value)) return true;  // diverged
    if (!is_rung(step)) return false;
    std::vector<double> competing{value};
    for (const auto& trial : others)
      if (const auto found = trial.curve.find(step); found != trial.curve.end() && !std::isnan(found->second))
        competing.push_back(found->second);
    // Optuna's rule: the top len/eta values are promoted, and the best one while the rung
    // holds fewer than eta values.
    auto promotable = static_cast<int64_t>(competing.size()) / options_.reduction_factor - 1;
    promotable = std::max<int64_t>(promotable, 0);
    std::sort(competing.begin(), competing.end());
    const auto index = static_cast<size_t>(promotable);
    if (objective_.maximize) return value < competing[competing.size() - 1 - index];
    return value > competing[index];
  }

 private:
  bool is_rung(int64_t step) const {
    for (int64_t rung = options_.min_resource; rung <= step; rung *= options_.reduction_factor)
      if (rung == step) return true;
    return false;
  }
  PrunerOptions options_;
  Objective objective_;
};

}  // namespace

std::unique_ptr<Pruner> make_pruner(const PrunerOptions& options, const Objective& objective) {
  if (options.startup_trials < 0) throw Error("--pruner-startup-trials must be >= 0");
  if (options.warmup_steps < 0) throw Error("--pruner-warmup-steps must be >= 0");
  if (options.min_resource < 1) throw Error("--min-resource must be >= 1 (validations)");
  if (options.reduction_factor < 2) throw Error("--reduction-factor must be >= 2");
  if (options.name == "none") return std::make_unique<NoPruner>();
  if (options.name == "median") return std::make_unique<MedianPruner>(options, objective);
  if (options.name == "asha") return std::make_unique<AshaPruner>(options, objective);
  throw Error("--pruner: unknown pruner '" + options.name + "' (none | median | asha)");
}

}  // namespace modlr
