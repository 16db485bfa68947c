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
#include <optional>
#include <vector>

#include "modlr/dataset/loader.h"
#include "modlr/distributed/data_parallel.h"
#include "modlr/loss/loss.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/model_set.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/hook.h"
#include "modlr/runner/mixed_precision.h"
#include "modlr/runner/weight_average.h"
#include "modlr/tracking/training_state.h"

namespace modlr {

struct RunnerOptions {
  int64_t epochs = 1;
  /// runner.max_steps: training ends after this many batches (0 = no limit); the epoch in
  /// which they run out ends there and is the run's last (RunState::epochs becomes it).
  int64_t max_steps = 0;
  /// runner.accumulate_steps: gradients of this many consecutive batches are summed, each
  /// objective divided by the number of batches in its group (the last group of an epoch
  /// may be shorter), before one optimizer step. Needs a single optimizer stage and a
  /// single process. Checkpoints taken inside a group keep its gradients.
  int64_t accumulate_steps = 1;
  /// runner.ema_decay: 0 (off), or the decay of an exponential moving average of the
  /// weights (weight_average.h) that validation evaluates and fit() leaves in the models.
  double ema_decay = 0;
  torch::Device device = torch::kCPU;
  std::vector<std::string> train_metrics;  ///< computed on training batches, per epoch
  std::vector<std::string> eval_metrics;   ///< computed by evaluate()
  /// A non-finite objective or gradient: "stop" the run (modlr::Error naming the step and
  /// objective), or "skip_batch" (no update) up to max_skipped_batches times in a run.
  std::string on_nan = "stop";
  int64_t max_skipped_batches = 10;
  bool check_gradients = true;  ///< also check gradients, not only objectives
  /// runner.precision (mixed_precision.h): autocast for forward and loss; fp16 adds loss
  /// scaling, whose skipped steps (non-finite scaled gradients) are not divergence.
  Precision precision = Precision::fp32;
  /// runner.channels_last: 4-d inputs are handed to the models in channels-last layout
  /// (the Experiment converts the models' 4-d weights), as PyTorch's
  /// `x.contiguous(memory_format=torch.channels_last)`: faster convolutions on tensor cores.
  bool channels_last = false;
  /// The run record's directory, for hooks that write files there (RunState::run_dir);
  /// "" when the run is not recorded.
  std::string run_dir;
  /// Data-parallel training (distributed/data_parallel.h), borrowed; null for a single
  /// process, which then takes no distributed code path. The loaders must be sharded
  /// (Dataset::shard) to match.
  DataParallel* data_parallel = nullptr;
};

class Runner {
 public:
  /// The runner borrows every component; they must outlive it.
  Runner(ModelSet& models, Loss& loss, std::vector<std::unique_ptr<Optimizer>>& optimizers, RunnerOptions options);
  /// Takes the hooks' output transform off the models.
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Hooks run in the order they were added, for the events they subscribe to. A hook
  /// subscribing to Event::output_transform transforms the models' outputs (ModelSet) for
  /// as long as this runner lives.
  void add_hook(std::shared_ptr<Hook> hook);

  /// Trains until options.epochs epochs are done over `train` (continuing from restore()
  /// if it was called); evaluates `validation` (may be null) whenever a hook asks, at an
  /// epoch's end or after any step (Control::evaluate). Throws
  /// modlr::Error on a non-finite objective or gradient (see RunnerOptions::on_nan).
  void fit(BatchLoader& train, BatchLoader* validation);
  /// Evaluates on every batch of `loader` in inference mode; fires evaluation events.
  EvaluationResult evaluate(BatchLoader& loader, const std::string& split);

  const RunState& state() const { return state_; }

  /// The training state beyond the models' weights, as a value (tracking/training_state.h):
  /// progress, the current epoch's partial loss sums and metrics, the loader, the torch RNG,
  /// the optimizers, loss scale, weight averages and stateful hooks. Callable during fit()
  /// at batch_end or batch_complete (the value resumes at the next batch) and at epoch_end
  /// or epoch_complete (at the next epoch); throws modlr::Error elsewhere. Data-parallel:
  /// collective (every rank calls it at the same point); rank 0's value holds every rank's
  /// part. Copies what it holds, so later training does not change it.
  TrainingState training_state() const;
  /// Continues from `state` (taken from a runner with the same components and hooks, with
  /// the models' weights restored beside it): the next fit() carries on bit for bit. The
  /// global RNG is set now. Throws modlr::Error if the state does not fit this run (world
  /// size, optimizer count: checked before anything changes; an optimizer's or the weight
  /// averages' tensors: checked as they are restored).
  void restore(const TrainingState& state);
  /// Seconds spent inside each hook, by hook name (dispatch overhead shows here).
  const std::map<std::string, double>& hook_seconds() const { return hook_seconds_; }

 private:
  void start_epoch(BatchLoader& train);
  void train_epoch(BatchLoader& train, Control& control);
  void validate_within_epoch(Control& control);
  void train_step(const Batch& batch, double share, Control& control);
  /// train_step with runner.accumulate_steps > 1 (runner_accumulate.cpp).
  void accumulation_step(const Batch& batch, Control& control);
  /// Whether the current step is inside an accumulation group (its gradients not yet applied).
  bool inside_accumulation_group() const;
  /// The unfinished accumulation group's gradients (copies); empty between groups.
  std::vector<torch::Tensor> accumulated_gradients() const;
  /// Puts a restored group's gradients back (start of a resumed epoch).
  void restore_accumulated_gradients(const std::vector<torch::Tensor>& gradients);
  bool step_limit_reached() const { return options_.max_steps > 0 && state_.global_step >= options_.max_steps; }
  void empty_step();
  /// What a stage's backward allows: the update, no update and the batch not counted (a
  /// non-finite objective under on_nan: skip_batch), or (fp16) no update but the batch
  /// counted (the loss scale overflowed the gradients).
  enum class StepVerdict { apply, skip_batch, scale_overflow };
  StepVerdict backward_and_check(size_t stage, const std::string& objective, const torch::Tensor& value_tensor,
                                 double share, double& value);
  /// Data-parallel: this rank's gradients into the stage's all-reduce; the value turns NaN
  /// when any rank's objective was not finite, so all ranks take the same verdict.
  void synchronize_gradients(size_t stage, double& value);
  void reduce_epoch_metrics();
  RankTrainingState rank_state() const;
  /// Data-parallel: every other rank's part, gathered to all (a collective).
  std::vector<RankTrainingState> gather_other_ranks(const RankTrainingState& mine) const;
  /// This process's part of `state` (rank r > 0: other_ranks[r - 1]); checks the world size.
  const RankTrainingState& own_part(const TrainingState& state) const;
  LossOutput compute_loss(const Batch& batch, const LossRequest& request);
  bool finite_or_skip(const std::string& objective, double value);
  bool gradients_finite(const Optimizer& optimizer) const;
  Batch to_device(Batch batch) const;
  /// Steady-clock seconds, after the device's queued work (CUDA) has finished.
  double seconds_now() const;
  void fire(Event event, Control& control);
  /// The batch_transform hook point (runner_transforms.cpp): each subscribed hook in turn,
  /// then the checks on what it made (example count; a new input shape against the models).
  void transform_batch(Batch& batch);
  torch::Tensor transform_output(const std::string& model, torch::Tensor output);

  ModelSet& models_;
  Loss& loss_;
  std::vector<std::unique_ptr<Optimizer>>& optimizers_;
  RunnerOptions options_;
  RunState state_;
  std::vector<std::shared_ptr<Hook>> hooks_;
  BatchLoader* train_loader_ = nullptr;           ///< during fit()
  BatchLoader* validation_loader_ = nullptr;      ///< during fit(); may be null
  std::unique_ptr<MetricSuite> train_metrics_;    ///< the current epoch's training metrics
  std::map<std::string, double> objective_sums_;  ///< the current epoch's sum of value * batch
  bool epoch_finished_ = false;                   ///< between epoch_end and the next epoch
  /// What restore() took, consumed by the next fit() (its rank part is this process's).
  std::optional<TrainingState> resume_;
  std::unique_ptr<GradScaler> scaler_;  ///< runner.precision fp16 only
  std::unique_ptr<WeightAverage> ema_;  ///< runner.ema_decay > 0 only
  bool fitting_ = false;                ///< inside fit(): evaluations use the averages
  int agreed_stop_signal_ = 0;          ///< data-parallel: a stop some rank asked for
  std::array<std::vector<Hook*>, static_cast<size_t>(Event::fit_end) + 1> subscribers_;
  std::map<std::string, double> hook_seconds_;
  /// Input shapes (dims after the batch's, dtype) a batch transform made that the models
  /// were checked to take.
  std::vector<std::pair<std::vector<int64_t>, torch::Dtype>> checked_input_shapes_;
};

}  // namespace modlr
