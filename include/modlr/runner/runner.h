#pragma once
/// MODLR component 5: the Runner. It owns epochs, the order of steps, evaluation, hook
/// dispatch and the run state; it contains no task-specific math (that lives in the Loss
/// and the metrics).
///
/// One training step, for each optimizer stage in configured order:
///   zero_grad -> loss.compute(models, batch, stage objective) -> backward -> step.
/// The loop fits on one screen (see runner.cpp); everything else is a hook.
#include <array>
#include <memory>
#include <vector>

#include "modlr/dataset/loader.h"
#include "modlr/loss/loss.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/model_set.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/hook.h"

namespace modlr {

struct RunnerOptions {
  int64_t epochs = 1;
  torch::Device device = torch::kCPU;
  std::vector<std::string> train_metrics;  ///< computed on training batches, per epoch
  std::vector<std::string> eval_metrics;   ///< computed by evaluate()
};

class Runner {
 public:
  /// The runner borrows every component; they must outlive it.
  Runner(ModelSet& models, Loss& loss, std::vector<std::unique_ptr<Optimizer>>& optimizers,
         RunnerOptions options);

  /// Hooks run in the order they were added, for the events they subscribe to.
  void add_hook(std::shared_ptr<Hook> hook);

  /// Trains for options.epochs epochs over `train`; evaluates `validation` (may be null)
  /// whenever a hook asks. Throws modlr::Error on a non-finite objective, naming the step.
  void fit(BatchLoader& train, BatchLoader* validation);
  /// Evaluates on every batch of `loader` in inference mode; fires evaluation events.
  EvaluationResult evaluate(BatchLoader& loader, const std::string& split);

  const RunState& state() const { return state_; }
  /// Seconds spent inside each hook, by hook name (dispatch overhead shows here).
  const std::map<std::string, double>& hook_seconds() const { return hook_seconds_; }

 private:
  void train_epoch(BatchLoader& train, MetricSuite& metrics, Control& control);
  void train_step(const Batch& batch, MetricSuite& metrics,
                  std::map<std::string, double>& objective_sums, Control& control);
  Batch to_device(Batch batch) const;
  void fire(Event event, Control& control);

  ModelSet& models_;
  Loss& loss_;
  std::vector<std::unique_ptr<Optimizer>>& optimizers_;
  RunnerOptions options_;
  RunState state_;
  std::vector<std::shared_ptr<Hook>> hooks_;
  std::array<std::vector<Hook*>, static_cast<size_t>(Event::fit_end) + 1> subscribers_;
  std::map<std::string, double> hook_seconds_;
};

}  // namespace modlr
