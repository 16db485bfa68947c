#include "modlr/runner/mixed_precision.h"

#include <ATen/autocast_mode.h>

#include "modlr/core/error.h"

namespace modlr {

Precision parse_precision(const std::string& name) {
  return name == "bf16" ? Precision::bf16 : name == "fp16" ? Precision::fp16 : Precision::fp32;
}

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::bf16:
      return "bf16";
    case Precision::fp16:
      return "fp16";
    case Precision::fp32:
      return "fp32";
  }
  return "fp32";
}

AutocastScope::AutocastScope(torch::Device device, Precision precision) : device_type_(device.type()) {
  if (precision == Precision::fp32) return;
  active_ = true;
  previous_enabled_ = at::autocast::is_autocast_enabled(device_type_);
  previous_dtype_ = at::autocast::get_autocast_dtype(device_type_);
  at::autocast::set_autocast_enabled(device_type_, true);
  at::autocast::set_autocast_dtype(device_type_, precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // As torch.autocast's __exit__: the cast-weights cache lives as long as the outermost scope.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device_type_, previous_enabled_);
  at::autocast::set_autocast_dtype(device_type_, previous_dtype_);
}

namespace {
// torch.amp.GradScaler's defaults.
constexpr double kInitScale = 65536.0, kGrowthFactor = 2.0, kBackoffFactor = 0.5;
constexpr int64_t kGrowthInterval = 2000;
}  // namespace

GradScaler::GradScaler(torch::Device device)
    : scale_(torch::full({}, kInitScale, torch::TensorOptions().dtype(torch::kFloat32).device(device))),
      growth_tracker_(torch::zeros({}, torch::TensorOptions().dtype(torch::kInt32).device(device))),
      found_inf_(torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(device))) {}

torch::Tensor GradScaler::scale(const torch::Tensor& objective) const { return objective * scale_; }

bool GradScaler::unscale(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  // GradScaler.unscale_: the reciprocal in double, then float32.
  const auto inv_scale = scale_.to(torch::kFloat64).reciprocal().to(torch::kFloat32);
  auto found = torch::zeros({}, found_inf_.options());
  if (!grads.empty()) at::_amp_foreach_non_finite_check_and_unscale_(grads, found, inv_scale);
  found_inf_.add_(found);
  return found.item<float>() == 0.0f;
}

void GradScaler::update() {
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, kGrowthFactor, kBackoffFactor, kGrowthInterval);
  found_inf_.zero_();
}

TrainingState::LossScale GradScaler::state() const { return {scale_.cpu().clone(), growth_tracker_.cpu().clone()}; }

void GradScaler::restore(const TrainingState::LossScale& state) {
  if (!state.scale.defined() || !state.growth_tracker.defined() || state.scale.numel() != 1 ||
      state.growth_tracker.numel() != 1)
    throw Error("the training state's fp16 loss scale is malformed");
  scale_.copy_(state.scale.reshape({}));
  growth_tracker_.copy_(state.growth_tracker.reshape({}));
}

}  // namespace modlr
