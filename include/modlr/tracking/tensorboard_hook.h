#pragma once
/// The run in TensorBoard: with tracking.tensorboard (on by default) a run also writes
/// TensorBoard event files to <run dir>/tensorboard/ (tracking/tensorboard_writer.h), so
/// that `tensorboard --logdir runs/` shows every run:
///   - scalars "<split>/<metric>" for each epoch's training metrics, each validation
///     (inside epochs too) and each test split, at the run's global step;
///   - "train_step/<objective>": the step's objectives every tracking.tensorboard_every_steps
///     steps (0 = off);
///   - hparams: every scalar of the resolved config but tracking.*, with the validation
///     and test metrics as the HParams plugin's metrics;
///   - text "config": the resolved config;
///   - images "samples": the sample_grid hook's grid of each epoch (GAN runs).
/// Only rank 0 of a data-parallel run writes. A resumed run appends a new event file to
/// the same folder (TensorBoard reads them as one run).
#include <memory>
#include <string>
#include <vector>

#include "modlr/runner/hook.h"

namespace modlr {

class TensorBoardWriter;

struct TensorBoardOptions {
  std::string config_yaml;                ///< the run's resolved config
  std::vector<std::string> eval_metrics;  ///< metrics.eval (named as hparams metrics)
  int64_t every_steps = 0;                ///< tracking.tensorboard_every_steps
};

class TensorBoardHook : public Hook {
 public:
  explicit TensorBoardHook(TensorBoardOptions options);
  ~TensorBoardHook() override;
  std::string name() const override { return "tensorboard"; }
  std::vector<Event> events() const override {
    return {Event::fit_start, Event::batch_end, Event::epoch_end, Event::evaluation_end, Event::epoch_complete};
  }
  /// Throws modlr::Error naming the event file when it cannot be written (a full disk).
  void on(Event event, const RunState& state, Control& control) override;

 private:
  void start(const RunState& state);
  void add_sample_grid(const RunState& state);
  TensorBoardOptions options_;
  std::unique_ptr<TensorBoardWriter> writer_;
};

}  // namespace modlr
