#include "modlr/optimizer/optimizer.h"

namespace modlr {

OptimizerRegistry& optimizer_registry() {
  static OptimizerRegistry registry("optimizer");
  return registry;
}

OptimizerRegistry& fast_optimizer_registry() {
  static OptimizerRegistry registry("optimizer");
  return registry;
}

ScheduleRegistry& schedule_registry() {
  static ScheduleRegistry registry("schedule");
  return registry;
}

Optimizer::Optimizer(std::unique_ptr<torch::optim::Optimizer> impl, std::shared_ptr<LrSchedule> schedule,
                     double base_lr, double clip_grad_norm, std::string model, std::string objective,
                     const LinearWarmup& warmup)
    : impl_(std::move(impl)),
      schedule_(std::move(schedule)),
      warmup_(warmup),
      base_lr_(base_lr),
      clip_grad_norm_(clip_grad_norm),
      model_(std::move(model)),
      objective_(std::move(objective)) {}

void Optimizer::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  if (schedule_ && schedule_->per_step()) return;  // start_step sets the rate
  double lr = schedule_ ? schedule_->lr_at(epoch, base_lr_) : base_lr_;
  if (!warmup_.per_step) lr *= warmup_.factor(epoch);
  for (auto& group : impl_->param_groups()) group.options().set_lr(lr);
}

void Optimizer::start_step(int64_t step) {
  const bool step_schedule = schedule_ && schedule_->per_step();
  if (!step_schedule && (!warmup_.per_step || warmup_.length == 0)) return;
  double lr = base_lr_;
  if (step_schedule)
    lr = schedule_->lr_at_step(step, steps_per_epoch_, base_lr_);
  else if (schedule_)
    lr = schedule_->lr_at(epoch_, base_lr_);
  lr *= warmup_.factor(warmup_.per_step ? step : epoch_);
  for (auto& group : impl_->param_groups()) group.options().set_lr(lr);
}

void Optimizer::zero_grad() {
  // Zeroed in place, as the twin's zero_grad(set_to_none=False): libtorch 2.x's default
  // (set_to_none) would make backward store gradients instead of adding them to zeros.
  if (!grads_to_none_) return impl_->zero_grad(/*set_to_none=*/false);
  for (auto& group : impl_->param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

void Optimizer::step() {
  if (clip_grad_norm_ > 0) {
    for (auto& group : impl_->param_groups()) torch::nn::utils::clip_grad_norm_(group.params(), clip_grad_norm_);
  }
  impl_->step();
}

double Optimizer::lr() const { return impl_->param_groups().front().options().get_lr(); }

std::unique_ptr<Optimizer> build_optimizer(const Config& section, std::vector<torch::Tensor> parameters, int64_t epochs,
                                           std::string model, std::string objective, bool fast) {
  const auto name = section.get<std::string>("name");
  const double lr = section.get_positive("lr", 1e-3);
  const double clip = section.get_positive("clip_grad_norm", 0.0, /*allow_zero=*/true);
  auto schedule_section = section.section("schedule");
  const auto schedule_name = schedule_section.get<std::string>("name", "constant");
  ScheduleContext context{epochs, {}};
  auto& warmup = context.warmup;
  warmup.length = schedule_section.get_count("warmup", 0, /*allow_zero=*/true);
  if (warmup.length > 0) {
    warmup.per_step = schedule_section.get_choice("warmup_unit", "step", {"step", "epoch"}) == "step";
    warmup.start = schedule_section.get_positive("warmup_start", warmup.start, /*allow_zero=*/true);
    if (warmup.start > 1) schedule_section.fail("warmup_start", "is a factor of the lr in [0, 1]");
  }
  auto schedule = schedule_registry().create(schedule_name, schedule_section.path("name"), schedule_section, context);
  const auto& registry =
      fast && fast_optimizer_registry().contains(name) ? fast_optimizer_registry() : optimizer_registry();
  auto impl = registry.create(name, section.path("name"), section, std::move(parameters), lr);
  auto optimizer = std::make_unique<Optimizer>(std::move(impl), std::move(schedule), lr, clip, std::move(model),
                                               std::move(objective), warmup);
  optimizer->set_grads_to_none(fast);
  return optimizer;
}

}  // namespace modlr
