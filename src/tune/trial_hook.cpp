// A trial run's reports to its study (tune/trial_hook.h).
#include "modlr/tune/trial_hook.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "modlr/tune/pruner.h"
#include "modlr/tune/study_store.h"

namespace modlr {

TrialReportHook::TrialReportHook(const TrialLink& link, int64_t seed)
    : link_(link),
      seed_(seed),
      store_(std::make_unique<StudyStore>(StudyStore::open(StudyLocation::of_directory(link.study_dir)))) {
  pruner_ = make_pruner(store_->settings().pruner, store_->settings().objective);
}

TrialReportHook::~TrialReportHook() = default;

void TrialReportHook::load_state(const HookState& state) {
  if (const auto found = state.find("validations"); found != state.end())
    validations_ = static_cast<int64_t>(found->second);
}

void TrialReportHook::on(Event event, const RunState& state, Control& control) {
  if (event == Event::fit_start) {
    // A trial whose first seed ran to the end survived pruning: its other seeds measure its
    // spread and run to the end too.
    const auto runs = store_->runs(link_.trial);
    prunable_ = std::none_of(runs.begin(), runs.end(), [](const TrialRun& run) { return run.state == "complete"; });
    // The resolved config goes into the store too: drivers on other hosts write best.yaml
    // from it (this run directory is on this host only).
    std::ifstream config(state.run_dir + "/config.yaml");
    std::stringstream text;
    text << config.rdbuf();
    store_->start_run(link_.trial, seed_, state.run_dir, text.str());
  } else if (event == Event::evaluation_end && state.split == "validation") {
    report(state);
  } else if (event == Event::batch_complete || event == Event::epoch_complete) {
    if (pruned_) control.stop = true;
  } else if (event == Event::fit_end && validations_ == 0) {
    throw Error("tune: the run had no validation to report " + store_->settings().objective.metric +
                " from; give the data set a validation split (e.g. --set dataset.validation=0.1)");
  }
}

void TrialReportHook::report(const RunState& state) {
  const auto& objective = store_->settings().objective;
  const auto& metrics = state.evaluation->metrics;
  const auto found = metrics.find(objective.metric_name());
  if (found == metrics.end()) {
    std::string names;
    for (const auto& [name, value] : metrics) names += (names.empty() ? "" : ", ") + name;
    throw Error("tune: --metric " + objective.metric + ": the validation has no metric '" + objective.metric_name() +
                "' (it has: " + names + ")");
  }
  ++validations_;
  // Epochs trained so far: a validation inside an epoch comes after its step's batch.
  const double epochs = state.evaluation_step > 0 && state.batches_per_epoch > 0
                            ? static_cast<double>(state.epoch - 1) +
                                  static_cast<double>(state.batch + 1) / static_cast<double>(state.batches_per_epoch)
                            : static_cast<double>(state.epoch);
  store_->report(link_.trial, seed_, validations_, found->second, epochs);
  if (!prunable_) return;  // the study's history is read only when it can decide something
  auto others = store_->trials();
  others.erase(
      std::remove_if(others.begin(), others.end(), [&](const TrialSnapshot& t) { return t.number == link_.trial; }),
      others.end());
  if (!pruner_->should_prune(store_->run_curve(link_.trial, seed_), others)) return;
  store_->end_run(link_.trial, seed_, "pruned");
  std::cout << "tune: trial " << link_.trial << " pruned at validation " << validations_ << " (" << objective.metric
            << " " << found->second << ")" << std::endl;
  pruned_ = true;
}

}  // namespace modlr
