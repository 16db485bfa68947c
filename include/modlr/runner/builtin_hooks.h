#pragma once
/// The hooks every `modlr train` run installs. Each is an ordinary Hook: a user hook
/// registered the same way can replace or extend any of them.
#include <chrono>
#include <cstdio>
#include <functional>

#include <torch/torch.h>

#include "modlr/runner/hook.h"
#include "modlr/tracking/run_record.h"

namespace modlr {

/// Measures train.seconds (the training loop, validation excluded), the per-step
/// breakdown (data, forward, loss, backward, step) and evaluation seconds per split.
/// On CUDA it synchronises the device before every reading.
class TimingHook : public Hook {
 public:
  explicit TimingHook(torch::Device device) : device_(device) {}
  std::string name() const override { return "timing"; }
  std::vector<Event> events() const override;
  void on(Event event, const RunState& state, Control& control) override;

  double train_seconds() const { return train_seconds_; }
  /// Keys data, forward, loss, backward, step; seconds summed over the run.
  std::map<std::string, double> breakdown() const;
  /// Seconds of the last evaluation of `split` (0 if none).
  double evaluation_seconds(const std::string& split) const;

 private:
  double now() const;
  torch::Device device_;
  double fit_start_ = 0, last_ = 0, evaluation_start_ = 0, forward_mark_ = 0;
  double validation_in_fit_ = 0, train_seconds_ = 0;
  bool in_fit_ = false;
  double data_ = 0, forward_ = 0, loss_ = 0, backward_ = 0, step_ = 0;
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

/// Asks for a validation pass every `every` epochs and after the last one.
class ValidationScheduleHook : public Hook {
 public:
  explicit ValidationScheduleHook(int64_t every) : every_(every) {}
  std::string name() const override { return "validation_schedule"; }
  std::vector<Event> events() const override { return {Event::epoch_end}; }
  void on(Event, const RunState& state, Control& control) override;

 private:
  int64_t every_;
};

/// Saves the models to <dir>/epoch-NNNN.pt every `every` epochs and after the last one,
/// keeping the newest `keep` files; with `save_initial`, also <dir>/initial.pt before the
/// first step (never rotated away). `saved` lists the files kept (relative names).
class CheckpointHook : public Hook {
 public:
  CheckpointHook(std::string dir, int64_t every, int64_t keep, bool save_initial = false);
  std::string name() const override { return "checkpoint"; }
  std::vector<Event> events() const override { return {Event::fit_start, Event::epoch_end}; }
  void on(Event event, const RunState& state, Control& control) override;
  std::vector<std::string> saved() const;

 private:
  std::string dir_;
  int64_t every_, keep_;
  bool save_initial_;
  std::vector<std::string> saved_;
};

/// Appends every epoch's training metrics, learning rates and validation results to the
/// run record's metrics.csv.
class TrackingHook : public Hook {
 public:
  explicit TrackingHook(RunRecord& record) : record_(record) {}
  std::string name() const override { return "tracking"; }
  std::vector<Event> events() const override { return {Event::epoch_end, Event::evaluation_end}; }
  void on(Event event, const RunState& state, Control& control) override;

 private:
  RunRecord& record_;
};

}  // namespace modlr
