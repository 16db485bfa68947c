#pragma once
/// The hook a study's trial run gets (`modlr train ... --tune-study DB --tune-trial N`, as
/// the study's driver starts it): at every validation it reports the study's metric to the
/// store (study_store.h) and asks the study's pruner (pruner.h) whether the run should
/// stop; a pruned run stops training there (and is still tested and recorded as usual).
/// Only a trial's first seed to run is pruned: once one seed has run to the end, the
/// trial's other seeds do too.
#include <memory>
#include <string>

#include "modlr/runner/hook.h"

namespace modlr {

class StudyStore;
class Pruner;

/// Which trial a run belongs to.
struct TrialLink {
  std::string study_dir;  ///< the study's directory, which names its store ("" = the run is not a trial)
  int64_t trial = -1;
};

class TrialReportHook : public Hook {
 public:
  /// Opens the study's store (throws naming it when it is missing or not a study).
  TrialReportHook(const TrialLink& link, int64_t seed);
  ~TrialReportHook() override;
  std::string name() const override { return "tune_trial"; }
  std::vector<Event> events() const override {
    return {Event::fit_start, Event::evaluation_end, Event::batch_complete, Event::epoch_complete, Event::fit_end};
  }
  /// At evaluation_end of a validation: reports, and asks the pruner; a pruned run stops at
  /// the next batch_complete or epoch_complete (an evaluation's own Control stops nothing).
  /// At fit_end: throws modlr::Error when the run had no validation to report.
  void on(Event event, const RunState& state, Control& control) override;
  void save_state(HookState& state) const override { state["validations"] = static_cast<double>(validations_); }
  void load_state(const HookState& state) override;

 private:
  void report(const RunState& state);
  TrialLink link_;
  int64_t seed_;
  std::unique_ptr<StudyStore> store_;
  std::unique_ptr<Pruner> pruner_;
  int64_t validations_ = 0;
  bool pruned_ = false;
  bool prunable_ = true;
};

}  // namespace modlr
