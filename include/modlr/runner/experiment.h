#pragma once
/// The composition root: builds every MODLR component an experiment config names.
///
/// Top-level keys: experiment, seed, dataset, model, loss, optimizer, runner, metrics,
/// tracking (see README "Configs"). Construction seeds torch with `seed` and then builds the
/// models in config order, so initial weights depend only on the seed (as in the PyTorch
/// twins). After construction every key has been read, and any other key is an error.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/threads.h"
#include "modlr/dataset/dataset.h"
#include "modlr/loss/loss.h"
#include "modlr/model/model_set.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/runner.h"

namespace modlr {

struct TrackingOptions {
  std::string dir = "runs";
  int64_t checkpoint_every = 1;  ///< epochs
  int64_t checkpoint_steps = 0;  ///< also every N optimisation steps; 0 = off
  int64_t keep_checkpoints = 3;
  bool save_initial = false;             ///< also checkpoint the initial weights (initial.pt)
  bool tensorboard = true;               ///< also write TensorBoard event files (tracking/tensorboard_hook.h)
  int64_t tensorboard_every_steps = 50;  ///< the step objectives every N steps (0 = off)
  std::string mlflow;                    ///< an MLflow tracking server's URI ("" = off; tracking/mlflow_hook.h)
  std::string mlflow_experiment;         ///< its experiment ("" = the experiment's name)
};

/// runner.distributed: how the ranks of a data-parallel run (`modlr train --nproc N`,
/// torchrun) talk. Read only when the section is present; a single process ignores it.
struct DistributedSettings {
  std::string backend = "gloo";       ///< gloo (CPU tensors) | nccl (CUDA); default from runner.device
  int64_t timeout_seconds = 60;       ///< rendezvous and every collective; a dead rank is named after it
  DataParallelOptions data_parallel;  ///< bucket_mb, overlap, broadcast_buffers
  /// BatchNorm2d layers normalise over the global batch (distributed/sync_batch_norm.h).
  bool sync_batchnorm = false;
};

/// The hooks every `modlr train` run has unless runner.builtin_hooks leaves one out, in the
/// order they run (builtin_hooks.h): the interrupt hook asks to stop before the checkpoint
/// hook saves where the run stands.
inline const std::vector<std::string> kBuiltinHooks{"timing",   "progress",  "validation_schedule",
                                                    "tracking", "interrupt", "checkpoint"};

class Experiment {
 public:
  explicit Experiment(Config config);

  const std::string& name() const { return name_; }
  int64_t seed() const { return seed_; }
  const Config& config() const { return config_; }
  ModelSet& models() { return models_; }
  Loss& loss() { return *loss_; }
  Dataset& dataset() { return *dataset_; }
  std::vector<std::unique_ptr<Optimizer>>& optimizers() { return optimizers_; }
  const RunnerOptions& runner_options() const { return runner_options_; }
  const TrackingOptions& tracking() const { return tracking_; }
  const ThreadSettings& threads() const { return threads_; }
  /// runner.mode: "strict" (bitwise PyTorch parity) or "fast" (faster kernels, fused
  /// optimizers; summation order differs). Recorded in summary.json environment.mode.
  const char* mode() const { return fast_mode_ ? "fast" : "strict"; }
  /// runner.cudnn_benchmark: cuDNN picks the fastest convolution algorithms by timing them,
  /// which can differ from run to run (process-wide; applied by the constructor). A CUDA
  /// run with it on is not bitwise reproducible, which the run record says.
  bool cudnn_benchmark() const { return cudnn_benchmark_; }
  /// runner.timing_breakdown (auto | true | false): measure the per-step breakdown
  /// (TimingHook). auto: on for the CPU, off for CUDA, where it would synchronise the
  /// device five times per step.
  bool timing_breakdown() const { return timing_breakdown_; }
  int64_t validate_every() const { return validate_every_; }
  /// runner.validate_every_steps: also validate after every N-th step (0: off).
  int64_t validate_every_steps() const { return validate_every_steps_; }
  /// runner.validations_per_epoch: K > 1 also validates after K - 1 evenly spaced batches
  /// of every epoch (the same share of an epoch whatever the batch size: what a study's
  /// pruner compares across trials).
  int64_t validations_per_epoch() const { return validations_per_epoch_; }
  const DistributedSettings& distributed() const { return distributed_; }
  /// The built-in hooks runner.builtin_hooks keeps (by default all of kBuiltinHooks); the
  /// CLI adds those, in kBuiltinHooks' order, before the user's.
  const std::vector<std::string>& builtin_hooks() const { return builtin_hooks_; }
  bool has_builtin_hook(const std::string& name) const {
    return std::find(builtin_hooks_.begin(), builtin_hooks_.end(), name) != builtin_hooks_.end();
  }
  /// User hooks listed in runner.hooks, created from the hook registry (behind their
  /// `when` filters).
  const std::vector<std::shared_ptr<Hook>>& user_hooks() const { return user_hooks_; }

 private:
  void build_models(const Config& section);
  static void to_channels_last(ModelSet& models);
  void build_optimizers(const Config& root);
  void read_runner(const Config& section);
  void read_distributed(const Config& runner);
  void read_metrics(const Config& section);
  void read_hooks(const Config& runner);

  Config config_;
  std::string name_;
  int64_t seed_ = 0;
  ModelSet models_;
  std::unique_ptr<Loss> loss_;
  std::unique_ptr<Dataset> dataset_;
  std::vector<std::unique_ptr<Optimizer>> optimizers_;
  RunnerOptions runner_options_;
  TrackingOptions tracking_;
  ThreadSettings threads_;
  bool fast_mode_ = false;
  bool cudnn_benchmark_ = false;
  bool timing_breakdown_ = true;
  std::string thread_spec_;
  int64_t validate_every_ = 1;
  int64_t validate_every_steps_ = 0;
  int64_t validations_per_epoch_ = 1;
  DistributedSettings distributed_;
  std::vector<std::string> builtin_hooks_;
  std::vector<std::shared_ptr<Hook>> user_hooks_;
};

/// The experiment name a config implies before it is fully read: its `experiment` key, or
/// the config file's stem. Used to place a failed run's record.
std::string config_stem(const std::string& path);

}  // namespace modlr
