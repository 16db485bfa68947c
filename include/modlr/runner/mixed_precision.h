#pragma once
/// Mixed precision (`runner.precision: fp32 | bf16 | fp16`), as PyTorch Python does it:
/// forward and loss under autocast (matrix products and convolutions in the low precision,
/// reductions and losses in float32; the weights stay float32), backward outside it; fp16
/// adds loss scaling (GradScaler) so small gradients do not flush to zero. bf16 needs no
/// scaling (float32's exponent range). Both run on the CPU too (libtorch's CPU autocast),
/// which is how the suite checks them against the PyTorch twin, bit for bit.
#include <torch/torch.h>

#include <string>

#include "modlr/tracking/training_state.h"

namespace modlr {

enum class Precision { fp32, bf16, fp16 };
/// "fp32" | "bf16" | "fp16" (Experiment checks the key; anything else is fp32).
Precision parse_precision(const std::string& name);
const char* precision_name(Precision precision);

/// Autocast for this scope on `device`'s type, to bf16 or fp16 (nothing for fp32): what
/// `with torch.autocast(device_type, dtype):` does, nesting and cache included. Restores
/// the previous autocast settings on exit. Not thread-safe (autocast state is per thread).
class AutocastScope {
 public:
  AutocastScope(torch::Device device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_type_;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

/// fp16 loss scaling with torch.amp.GradScaler's defaults and arithmetic: scale starts at
/// 2^16; a step whose unscaled gradients hold an Inf/NaN is skipped and halves the scale;
/// 2000 steps in a row without one double it. Per training step: scale() each objective
/// before backward, unscale() the gradients of the optimizer about to step (skip the step
/// when it returns false), then update() once. The scale and the growth counter are part
/// of the run's checkpoints (state/restore), so a resumed fp16 run continues exactly.
class GradScaler {
 public:
  explicit GradScaler(torch::Device device);
  torch::Tensor scale(const torch::Tensor& objective) const;
  /// Divides the gradients of `params` by the scale in place; false when any is non-finite.
  bool unscale(const std::vector<torch::Tensor>& params);
  /// Adjusts the scale from this step's unscale() results, and starts the next step.
  void update();
  double current_scale() const { return scale_.item<double>(); }
  /// The scale and growth counter (CPU copies); restore() puts them back.
  TrainingState::LossScale state() const;
  void restore(const TrainingState::LossScale& state);

 private:
  torch::Tensor scale_;           ///< float32 scalar on the device
  torch::Tensor growth_tracker_;  ///< int32 scalar: steps since the last non-finite one
  torch::Tensor found_inf_;       ///< float32 scalar: non-finite gradients found this step
};

}  // namespace modlr
