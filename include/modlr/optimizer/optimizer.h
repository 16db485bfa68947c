#pragma once
/// MODLR component 2: the Optimizer. It owns parameter groups, the update rule, the LR
/// schedule and gradient clipping; it never sees the data.
///
/// Config (one `optimizer` section, or a list of them for multi-model losses):
///   name: sgd|adam|adamw, lr: 0.05,
///   sgd:   momentum: 0, dampening: 0, nesterov: false, weight_decay: 0
///   adam/adamw: betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 (adamw: 0.01), amsgrad: false
///   clip_grad_norm: 0          # max global L2 norm of the gradients; 0 = off
///   schedule: {name: constant} | {name: step, step_size: 10, gamma: 0.1}
///             | {name: cosine, t_max: <epochs>, eta_min: 0, unit: epoch | step}
///             | {name: inverse_sqrt}   (needs warmup > 0 batches)
///     and, for every schedule: warmup: 0, warmup_unit: step | epoch, warmup_start: 0.1
///     (LinearWarmup: the schedule's lr times a factor rising linearly from warmup_start to
///     1 over the first `warmup` batches or epochs)
///   model: model               # whose parameters it updates (default: the only model)
///   objective: loss            # which loss objective it minimises (default: the only one)
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"

namespace modlr {

/// Learning rate as a function of training progress, in closed form (a resumed run and the
/// PyTorch twin compute the same rate). An epoch schedule is applied at epoch starts; a step
/// schedule (per_step()) before every batch.
class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  /// epoch: completed epochs (0 for the first). base_lr: the configured lr.
  virtual double lr_at(int64_t epoch, double base_lr) const = 0;
  /// Whether the rate changes every batch: then lr_at_step() gives it.
  virtual bool per_step() const { return false; }
  /// The rate before batch `step` (batches completed in the run) of epochs of
  /// `steps_per_epoch` batches. Default: lr_at(completed epochs).
  virtual double lr_at_step(int64_t step, int64_t steps_per_epoch, double base_lr) const {
    return lr_at(step / std::max<int64_t>(steps_per_epoch, 1), base_lr);  // NOLINT(bugprone-integer-division)
  }
};

/// A linear warm-up in front of any schedule, as PyTorch's LinearLR(start_factor, 1.0,
/// total_iters=length): the lr is multiplied by start + (1 - start) * min(t, length) / length,
/// t counting completed batches (per_step) or epochs.
struct LinearWarmup {
  int64_t length = 0;  ///< 0: no warm-up
  bool per_step = true;
  double start = 0.1;
  double factor(int64_t t) const {
    if (t >= length) return 1.0;
    return start + (1.0 - start) * static_cast<double>(t) / static_cast<double>(length);
  }
};

/// lr = base * gamma^floor(epoch / step_size) (PyTorch's StepLR); `schedule: {name: step}`.
struct StepScheduleOptions {
  int64_t step_size = 1;  ///< epochs per decay, >= 1
  double gamma = 0.1;     ///< > 0
};
/// lr = eta_min + (base - eta_min) * (1 + cos(pi * min(epoch, t_max) / t_max)) / 2, the
/// closed form of PyTorch's CosineAnnealingLR held at eta_min after t_max;
/// `schedule: {name: cosine}` (t_max defaults to the run's epochs there).
/// With per_step (`unit: step`), the same curve evaluated before every batch, progress being
/// min(step, t_max * steps_per_epoch) / (t_max * steps_per_epoch): no stair at epoch starts.
struct CosineScheduleOptions {
  int64_t t_max = 1;     ///< epochs, >= 1
  double eta_min = 0.0;  ///< >= 0
  bool per_step = false;
};
/// "Attention is all you need"'s decay, scaled so that its peak is the configured lr:
/// lr = base * min(1, sqrt(warmup / s)) before the s-th batch (s = step + 1), with the
/// schedule's linear warm-up (LinearWarmup, per step, which must be > 0) in front; together
/// base * min(s / warmup, sqrt(warmup / s)) for warmup_start 0, up to the warm-up's rounding.
/// `schedule: {name: inverse_sqrt, warmup: 4000, warmup_start: 0}`.
struct InverseSqrtScheduleOptions {
  int64_t warmup = 0;  ///< batches, >= 1
};
/// The schedules from code; bad options throw modlr::Error naming the field.
std::shared_ptr<LrSchedule> make_constant_schedule();
std::shared_ptr<LrSchedule> make_step_schedule(StepScheduleOptions options);
std::shared_ptr<LrSchedule> make_cosine_schedule(CosineScheduleOptions options);
std::shared_ptr<LrSchedule> make_inverse_sqrt_schedule(InverseSqrtScheduleOptions options);

/// An update rule with its schedule, warm-up and clipping. From code: wrap any
/// torch::optim optimizer, e.g. Optimizer(std::make_unique<torch::optim::SGD>(params,
/// torch::optim::SGDOptions(0.05)), nullptr, 0.05, 0.0, "model", "loss"); a null schedule
/// keeps base_lr constant. clip_grad_norm 0 = no clipping.
class Optimizer {
 public:
  Optimizer(std::unique_ptr<torch::optim::Optimizer> impl, std::shared_ptr<LrSchedule> schedule, double base_lr,
            double clip_grad_norm, std::string model, std::string objective, const LinearWarmup& warmup = {});

  /// Sets the learning rate for the epoch about to start (`epoch` completed so far).
  void start_epoch(int64_t epoch);
  /// Sets the learning rate for the batch about to train (`step` batches completed in the
  /// run), where the warm-up counts batches; otherwise nothing.
  void start_step(int64_t step);
  /// The training loader's batches per epoch, which step schedules need (Runner::fit sets it).
  void set_steps_per_epoch(int64_t steps) { steps_per_epoch_ = steps; }
  /// Zeroes the gradients, or (fast mode) drops them, so that backward stores its gradients
  /// instead of adding them to zeros: one pass over memory less per parameter and step.
  void zero_grad();
  void set_grads_to_none(bool to_none) { grads_to_none_ = to_none; }
  /// Clips gradients (if configured), then applies the update rule.
  void step();
  double lr() const;
  const std::string& model() const { return model_; }
  const std::string& objective() const { return objective_; }
  torch::optim::Optimizer& impl() { return *impl_; }

 private:
  std::unique_ptr<torch::optim::Optimizer> impl_;
  std::shared_ptr<LrSchedule> schedule_;
  LinearWarmup warmup_;
  int64_t epoch_ = 0;  ///< completed epochs, as start_epoch set them
  int64_t steps_per_epoch_ = 1;
  double base_lr_;
  double clip_grad_norm_;
  bool grads_to_none_ = false;
  std::string model_;
  std::string objective_;
};

/// Update rules by name: (the optimizer section, the parameters, optimizer.lr). The lr is
/// read once, by build_optimizer, which the Optimizer's schedule also uses.
using OptimizerRegistry =
    Registry<std::unique_ptr<torch::optim::Optimizer>, const Config&, std::vector<torch::Tensor>, double>;
OptimizerRegistry& optimizer_registry();
/// Fast mode's update rules by the same names (fused Adam/AdamW); a name missing here runs
/// its optimizer_registry() rule in fast mode too.
OptimizerRegistry& fast_optimizer_registry();
/// What a schedule factory may read besides its section: the run's epochs (default t_max)
/// and the section's warm-up, already read.
struct ScheduleContext {
  int64_t epochs = 1;
  LinearWarmup warmup;
};
using ScheduleRegistry = Registry<std::shared_ptr<LrSchedule>, const Config&, const ScheduleContext&>;
ScheduleRegistry& schedule_registry();

/// Builds one optimizer from `section` over `parameters`; `epochs` sizes default schedules;
/// `fast` picks fast_optimizer_registry()'s rule where it has one.
std::unique_ptr<Optimizer> build_optimizer(const Config& section, std::vector<torch::Tensor> parameters, int64_t epochs,
                                           std::string model, std::string objective, bool fast = false);

}  // namespace modlr
