#pragma once
/// Hooks: named events the Runner fires. Progress output, timing, evaluation scheduling,
/// checkpointing and tracking are all hooks; a user adds behaviour by registering one,
/// never by editing the loop. Hooks read the run state and steer through Control flags;
/// they do not mutate the loop's state.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"

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
  after_loss,        ///< objective of the current stage computed (forward + loss)
  after_backward,    ///< gradients ready, optimizer not yet stepped (clipping, GradNorm)
  after_step,        ///< parameters updated
  batch_end,
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
  double load_seconds = 0;     ///< cutting batches and moving them to the device
  double compute_seconds = 0;  ///< forward, loss and metrics
};

/// The run as hooks see it (read-only).
struct RunState {
  int64_t epoch = 0;           ///< 1-based; 0 before the first epoch
  int64_t epochs = 0;
  int64_t batch = 0;           ///< 0-based index within the epoch
  int64_t batches_per_epoch = 0;
  int64_t global_step = 0;     ///< optimisation steps (batches) completed in the run
  int64_t batch_size = 0;      ///< examples in the current batch
  int64_t examples_seen = 0;   ///< examples trained on in this epoch
  std::string stage;           ///< objective of the current optimizer stage
  std::map<std::string, double> step_objectives;  ///< values of the last step's objectives
  std::map<std::string, double> train_metrics;    ///< at epoch_end: mean loss(es), metrics
  std::string split;           ///< at evaluation_start/_end
  const EvaluationResult* evaluation = nullptr;   ///< at evaluation_end
  int64_t skipped_batches = 0;  ///< batches dropped for a non-finite objective (on_nan)
  bool stopped_early = false;   ///< a hook stopped training before the last epoch ended
  const ModelSet* models = nullptr;
  const std::vector<std::unique_ptr<Optimizer>>* optimizers = nullptr;
  const Runner* runner = nullptr;  ///< for hooks that checkpoint the training state
  std::string run_dir;  ///< the run record's directory ("" if none; RunnerOptions::run_dir)
  int rank = 0;         ///< this process in a data-parallel run (only rank 0 writes records)
  int world_size = 1;
  /// At batch_end: the signal that asked the run to stop (SIGINT/SIGTERM), else 0. In a
  /// data-parallel run every rank sees the same value at the same batch.
  int stop_signal = 0;
};

/// Requests a hook makes of the runner.
struct Control {
  bool stop = false;      ///< end training after this event (the epoch is not resumed)
  bool evaluate = false;  ///< at epoch_end: evaluate the validation split now
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
  virtual void on(Event event, const RunState& state, Control& control) = 0;
  /// Hooks whose behaviour depends on the past (timers, counters, files they append to)
  /// write their state here for checkpoints and get it back on resume.
  virtual void save_state(HookState&) const {}
  virtual void load_state(const HookState&) {}
};

/// User hooks named in `runner.hooks` are created from this registry.
using HookRegistry = Registry<std::shared_ptr<Hook>, const Config&>;
HookRegistry& hook_registry();

}  // namespace modlr
