#pragma once
/// Hooks: named events the Runner fires. Progress output, timing, evaluation scheduling,
/// checkpointing and tracking are all hooks; a user adds behaviour by registering one,
/// never by editing the loop. Hooks read the run state and steer through Control flags;
/// they do not mutate the loop's state, except at the two hook points that exist for it:
/// transform_batch (the training batch before the step: masking, noise, extra inputs) and
/// transform_output (each model output after its forward pass: post-processing).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"
#include "modlr/dataset/batch.h"

namespace modlr {

class ModelSet;
class Optimizer;
class Runner;

/// Events in the order a training step fires them. With several optimizers (a GAN),
/// after_loss / after_backward / after_step fire once per optimizer stage, in order.
enum class Event {
  fit_start,
  epoch_start,
  batch_start,       ///< before the batch is fetched
  batch_ready,       ///< batch fetched and on the device
  batch_transform,   ///< hook point: Hook::transform_batch may change the training batch
  output_transform,  ///< hook point: Hook::transform_output after every forward pass
  after_loss,        ///< objective of the current stage computed (forward + loss)
  after_backward,    ///< gradients ready, optimizer not yet stepped (clipping, GradNorm)
  after_step,        ///< parameters updated
  batch_end,
  batch_complete,    ///< after a validation inside the epoch, if one was asked for at
                     ///< batch_end: a consistent point to checkpoint within an epoch
  epoch_end,         ///< training metrics of the epoch are in RunState::train_metrics
  evaluation_start,  ///< RunState::split names the split being evaluated
  evaluation_end,    ///< RunState::evaluation holds the result
  epoch_complete,    ///< after the epoch's validation: a consistent point to checkpoint
  fit_end,
};
const char* event_name(Event event);

/// Result of evaluating the models on one split.
struct EvaluationResult {
  std::string split;
  int64_t examples = 0;
  std::map<std::string, double> metrics;  ///< "loss" (mean per example) and scalar metrics
  /// Metrics the split leaves undefined (NaN in `metrics`), with the reason (MetricSuite).
  std::map<std::string, std::string> undefined;
  std::vector<std::vector<int64_t>> confusion_matrix;  ///< [target][predicted]; may be empty
  double load_seconds = 0;                             ///< cutting batches and moving them to the device
  double compute_seconds = 0;                          ///< forward, loss and metrics
};

/// The run as hooks see it (read-only).
struct RunState {
  int64_t epoch = 0;  ///< 1-based; 0 before the first epoch
  int64_t epochs = 0;
  int64_t batch = 0;  ///< 0-based index within the epoch
  int64_t batches_per_epoch = 0;
  int64_t global_step = 0;                        ///< optimisation steps (batches) completed in the run
  int64_t batch_size = 0;                         ///< examples in the current batch
  int64_t examples_seen = 0;                      ///< examples trained on in this epoch
  std::string stage;                              ///< objective of the current optimizer stage
  std::map<std::string, double> step_objectives;  ///< values of the last step's objectives
  std::map<std::string, double> train_metrics;    ///< at epoch_end: mean loss(es), metrics
  std::string split;                              ///< during an evaluation (its events included); "" in training
  const EvaluationResult* evaluation = nullptr;   ///< at evaluation_end
  /// During a validation inside an epoch (asked for at batch_end): the step it follows;
  /// 0 for the validations at epoch ends and for tests.
  int64_t evaluation_step = 0;
  int64_t skipped_batches = 0;  ///< batches dropped for a non-finite objective (on_nan)
  bool stopped_early = false;   ///< a hook stopped training before the last epoch ended
  const ModelSet* models = nullptr;
  const std::vector<std::unique_ptr<Optimizer>>* optimizers = nullptr;
  const Runner* runner = nullptr;  ///< for hooks that checkpoint the training state
  std::string run_dir;             ///< the run record's directory ("" if none; RunnerOptions::run_dir)
  int rank = 0;                    ///< this process in a data-parallel run (only rank 0 writes records)
  int world_size = 1;
  /// At batch_end: the signal that asked the run to stop (SIGINT/SIGTERM), else 0. In a
  /// data-parallel run every rank sees the same value at the same batch.
  int stop_signal = 0;
};

/// Requests a hook makes of the runner.
struct Control {
  bool stop = false;  ///< end training after this event (the epoch is not resumed)
  /// At epoch_end: evaluate the validation split now. At batch_end: evaluate it before
  /// batch_complete (at the epoch's last batch: after epoch_end, as the epoch's own).
  bool evaluate = false;
};

/// Numbers a stateful hook must carry across a resume, by key.
using HookState = std::map<std::string, double>;

class Hook {
 public:
  virtual ~Hook() = default;
  /// Unique among a runner's hooks (it keys the hook's checkpointed state).
  virtual std::string name() const = 0;
  /// The events this hook wants; it is called for no others.
  virtual std::vector<Event> events() const = 0;
  virtual void on(Event event, const RunState& state, Control& control) {}
  /// Event::batch_transform, after batch_ready: may replace the training batch's inputs and
  /// targets (masking, augmentation, extra terms' inputs); it must keep the batch's number
  /// of examples. The first batch of each new input shape is checked against the models
  /// (runner/shape_check.h): a shape they do not take is an error naming this hook.
  virtual void transform_batch(Batch& batch, const RunState& state) {}
  /// Event::output_transform: the output of model `model` after each forward pass, in
  /// training and evaluation; returns what the loss and the metrics see instead.
  virtual torch::Tensor transform_output(const std::string& model, torch::Tensor output, const RunState& state) {
    return output;
  }
  /// Hooks whose behaviour depends on the past (timers, counters, files they append to)
  /// write their state here for checkpoints and get it back on resume.
  virtual void save_state(HookState&) const {}
  virtual void load_state(const HookState&) {}
  /// The hook that does the work: itself, or the one a filter (HookFilter) wraps.
  virtual const Hook& target() const { return *this; }
};

/// What a hook factory is given besides its own config section.
struct HookContext {
  uint64_t seed = 0;           ///< the run's seed
  int64_t validate_every = 1;  ///< runner.validate_every
};

/// The hooks listed in `runner.hooks` are created from this registry, each from its own
/// entry of the list: `- {name: early_stopping, patience: 3}` gives the early_stopping
/// factory the section {name, patience} (reading `name` is the registry's).
using HookRegistry = Registry<std::shared_ptr<Hook>, const Config&, const HookContext&>;
HookRegistry& hook_registry();

/// Which of the events it subscribes to a hook is called for: an entry's `when` section,
/// e.g. `when: {every_steps: 100}`. Step events (batch_start to batch_end and the two
/// hook points in training) pass on every `every_steps`-th optimisation step of the run;
/// epoch events (epoch_start, epoch_end, the evaluations, epoch_complete) on every
/// `every_epochs`-th epoch and the last; fit_start and fit_end always. `once`: of the step
/// and epoch events, only the first call that passes (remembered across a resume), e.g.
/// `when: {every_steps: 100, once: true}` is step 100 alone.
struct HookFilter {
  int64_t every_steps = 1;
  int64_t every_epochs = 1;
  bool once = false;
  /// Reads `when` from a hook's section (all defaults when it has none).
  static HookFilter from_config(const Config& hook_section);
  bool lets_everything_through() const { return every_steps == 1 && every_epochs == 1 && !once; }
};

/// `hook` behind `filter`: the same name, events and state (plus the `once` flag).
std::shared_ptr<Hook> filtered(std::shared_ptr<Hook> hook, HookFilter filter);

}  // namespace modlr
