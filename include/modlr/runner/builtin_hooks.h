#pragma once
/// The hooks every `modlr train` run installs. Each is an ordinary Hook: a user hook
/// registered the same way can replace or extend any of them.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>

#include <torch/torch.h>

#include "modlr/core/interrupt.h"
#include "modlr/runner/hook.h"
#include "modlr/tracking/checkpoint_store.h"
#include "modlr/tracking/run_record.h"

namespace modlr {

/// Measures train.seconds (the training loop, validation excluded), evaluation seconds per
/// split and, when `breakdown`, the per-step breakdown (data, forward, loss, backward, step).
/// On CUDA every reading synchronises the device: the breakdown's five readings per step
/// would stall the GPU's queue, so runner.timing_breakdown is off there by default and
/// train.seconds then costs one synchronisation at the start and end of fit and of each
/// evaluation only.
class TimingHook : public Hook {
 public:
  explicit TimingHook(torch::Device device, bool breakdown = true) : device_(device), measure_breakdown_(breakdown) {}
  std::string name() const override { return "timing"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState& state, Control& control) override;

  double train_seconds() const { return train_seconds_; }
  void save_state(HookState& out) const override;
  void load_state(const HookState& in) override;
  /// Keys data, forward, loss, backward, step; seconds summed over the run (empty when the
  /// breakdown is not measured).
  std::map<std::string, double> breakdown() const;
  /// Seconds of the last evaluation of `split` (0 if none).
  double evaluation_seconds(const std::string& split) const;

 private:
  double now() const;
  torch::Device device_;
  bool measure_breakdown_ = true;
  double fit_start_ = 0, last_ = 0, evaluation_start_ = 0, forward_mark_ = 0;
  double validation_in_fit_ = 0, train_seconds_ = 0;
  bool in_fit_ = false;
  double data_ = 0, forward_ = 0, loss_ = 0, backward_ = 0, step_ = 0;
  double carried_seconds_ = 0;  ///< training seconds of the run before a resume
  std::map<std::string, double> evaluation_;
};

/// A progress bar with rate and ETA on a terminal (stderr); one line per epoch (and per
/// validation) on stdout in every case.
class ProgressHook : public Hook {
 public:
  explicit ProgressHook(bool terminal);
  std::string name() const override { return "progress"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState& state, Control& control) override;

 private:
  void draw_bar(const RunState& state, bool force);
  bool terminal_;
  std::chrono::steady_clock::time_point epoch_start_, last_draw_;
};

/// Asks for a validation pass every `every` epochs and after the last one, and with
/// `every_steps` > 0 also after every `every_steps`-th optimisation step of the run (inside
/// the epoch; a step that ends an epoch makes the epoch's own validation happen). With
/// `per_epoch` K > 1, also after batches ceil(j * B / K) of every epoch of B batches,
/// j = 1 .. K-1 (the epoch's own validation is the K-th).
class ValidationScheduleHook : public Hook {
 public:
  explicit ValidationScheduleHook(int64_t every, int64_t every_steps = 0, int64_t per_epoch = 1)
      : every_(every), every_steps_(every_steps), per_epoch_(per_epoch) {}
  std::string name() const override { return "validation_schedule"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState& state, Control& control) override;

 private:
  int64_t every_, every_steps_, per_epoch_;
};

struct CheckpointOptions {
  int64_t every_epochs = 1;   ///< and always after the last epoch
  int64_t every_steps = 0;    ///< 0: only at epoch ends
  int64_t keep = 3;           ///< newest resumable checkpoints kept
  bool save_initial = false;  ///< also initial.pt (weights only, never rotated away)
  /// false on the ranks > 0 of a data-parallel run: at each point rank 0 saves, they hand
  /// their training state to it (Runner::save_state is collective there) and write nothing.
  bool write = true;
};

/// Decides when the run is checkpointed: epoch-NNNN.pt after every `every_epochs` epochs
/// (after validation) and after the last, step-NNNNNNNN.pt every `every_steps` optimisation
/// steps, and one when a hook stops the run mid-epoch (an interrupt). The files, `latest`
/// and the rotation are the CheckpointStore's (tracking/checkpoint_store.h) in `dir`.
class CheckpointHook : public Hook {
 public:
  CheckpointHook(std::string dir, const CheckpointOptions& options);
  std::string name() const override { return "checkpoint"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState& state, Control& control) override;
  /// Checkpoint files present (relative names), oldest first.
  std::vector<std::string> saved() const;

 private:
  void save(const RunState& state, const std::string& name);
  CheckpointOptions options_;
  std::optional<CheckpointStore> store_;  ///< none where this rank writes nothing
};

/// Stops training cleanly at the next batch end once a stop was requested (SIGINT/SIGTERM,
/// core/interrupt.h); the checkpoint hook then saves where the run stands.
class InterruptHook : public Hook {
 public:
  std::string name() const override { return "interrupt"; }
  std::vector<Event> events() const override { return {Event::batch_end}; }
  void on(Event, const RunState& state, Control& control) override {
    if (state.stop_signal != 0) control.stop = true;
  }
};

/// Test support (see signal_point in core/interrupt.h): passes every runner event to
/// signal_point, so the suite can kill or interrupt a run at any event. Added by the CLI
/// only when MODLR_TEST_FAULT is set.
class SignalPointHook : public Hook {
 public:
  std::string name() const override { return "signal_point"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState&, Control&) override { signal_point(event_name(event)); }
};

/// Appends every epoch's training metrics, learning rates and validation results to the
/// run record's metrics.csv, and validations inside an epoch to step_metrics.csv.
/// What a run records of an epoch's training at epoch_end: the training metrics, then each
/// optimizer's learning rate ("lr", or "lr_<objective>" with several optimizers).
std::vector<std::pair<std::string, double>> epoch_train_scalars(const RunState& state);
/// An evaluation's metrics as a run records them: those the split leaves undefined are
/// left out (summary.json says why).
std::vector<std::pair<std::string, double>> recorded_evaluation_metrics(const EvaluationResult& result);

class TrackingHook : public Hook {
 public:
  explicit TrackingHook(RunRecord& record) : record_(record) {}
  std::string name() const override { return "tracking"; }
  std::vector<Event> events() const override { return {Event::fit_start, Event::epoch_end, Event::evaluation_end}; }
  void on(Event event, const RunState& state, Control& control) override;
  /// metrics.csv's and step_metrics.csv's lengths: a resume cuts off rows written after the checkpoint. Loading
  /// only notes the length; the file is cut at fit_start, so a resume that fails while it
  /// is still being prepared has not changed the run.
  void save_state(HookState& out) const override;
  void load_state(const HookState& in) override;

 private:
  RunRecord& record_;
  std::optional<uint64_t> truncate_at_, truncate_steps_at_;
};

}  // namespace modlr
