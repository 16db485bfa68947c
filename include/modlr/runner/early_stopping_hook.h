#pragma once
/// The `early_stopping` hook (runner.hooks: [{name: early_stopping}]): watches one metric after
/// every evaluation of the validation split (or after every epoch, for a training metric),
/// keeps the best weights so far as <run dir>/best.safetensors (written atomically, by
/// rank 0 only) and stops training once `patience` checks in a row have not improved on
/// the best by more than `min_delta`. Its state (best value and epoch, checks without
/// improvement) goes into checkpoints, so a resumed run stops where an uninterrupted one
/// would. The run record notes the best epoch under "best" in summary.json;
/// `restore_best: true` makes the run test and keep (model.safetensors) the best weights
/// instead of the last (run/training_run.cpp).
///
/// Config: its entry in runner.hooks: {name: early_stopping, monitor: validation.loss,
///   mode: auto, patience: 5, min_delta: 0.0, restore_best: false}. monitor: "<split>.<metric>", split validation
///   or train; mode: min | max | auto (min for loss, mse, rmse and mae, max otherwise).
///   A NaN value never counts as an improvement.
#include <string>

#include "modlr/runner/hook.h"

namespace modlr {

struct EarlyStoppingOptions {
  std::string split = "validation";  ///< validation | train
  std::string metric = "loss";
  bool maximize = false;
  int64_t patience = 5;  ///< checks without improvement before stopping (>= 1)
  double min_delta = 0;  ///< an improvement must beat the best by more than this
  bool restore_best = false;
  int64_t validate_every = 1;                                ///< runner.validate_every: when a validation check is due
  std::string monitor_key = "EarlyStoppingOptions::metric";  ///< what errors about the metric name
};

class EarlyStoppingHook : public Hook {
 public:
  static constexpr const char* kBestFile = "best.safetensors";

  explicit EarlyStoppingHook(EarlyStoppingOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "early_stopping"; }
  std::vector<Event> events() const override {
    return {Event::epoch_end, Event::evaluation_end, Event::epoch_complete};
  }
  /// Throws modlr::Error naming the monitor key when the metric is not
  /// computed, or when no validation split is evaluated although one is monitored.
  void on(Event event, const RunState& state, Control& control) override;
  void save_state(HookState& state) const override;
  void load_state(const HookState& state) override;

  const EarlyStoppingOptions& options() const { return options_; }
  /// The epoch whose weights best.safetensors holds (0: none yet) and its value.
  int64_t best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }

 private:
  void check(double value, const RunState& state);

  EarlyStoppingOptions options_;
  double best_ = 0;
  int64_t best_epoch_ = 0;
  int64_t without_improvement_ = 0;
  bool evaluated_this_epoch_ = false;
};

}  // namespace modlr
