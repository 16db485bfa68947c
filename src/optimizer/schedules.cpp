// Learning-rate schedules, in closed form of the completed epochs or batches, so that a
// resumed run and a PyTorch twin compute the same rate.
#include <cmath>

#include "modlr/optimizer/optimizer.h"

namespace modlr {
namespace {

class ConstantSchedule : public LrSchedule {
 public:
  double lr_at(int64_t, double base_lr) const override { return base_lr; }
};

class StepSchedule : public LrSchedule {
 public:
  StepSchedule(int64_t step_size, double gamma) : step_size_(step_size), gamma_(gamma) {}
  double lr_at(int64_t epoch, double base_lr) const override {
    // Integer division on purpose: the rate drops once per completed step_size epochs.
    return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));  // NOLINT(bugprone-integer-division)
  }

 private:
  int64_t step_size_;
  double gamma_;
};

class CosineSchedule : public LrSchedule {
 public:
  CosineSchedule(int64_t t_max, double eta_min, bool per_step)
      : t_max_(t_max), eta_min_(eta_min), per_step_(per_step) {}
  double lr_at(int64_t epoch, double base_lr) const override { return at(epoch, t_max_, base_lr); }
  bool per_step() const override { return per_step_; }
  double lr_at_step(int64_t step, int64_t steps_per_epoch, double base_lr) const override {
    return at(step, t_max_ * std::max<int64_t>(steps_per_epoch, 1), base_lr);
  }

 private:
  double at(int64_t t, int64_t length, double base_lr) const {
    const double progress = static_cast<double>(std::min(t, length)) / static_cast<double>(length);
    return eta_min_ + (base_lr - eta_min_) * (1 + std::cos(M_PI * progress)) / 2;
  }
  int64_t t_max_;
  double eta_min_;
  bool per_step_;
};

class InverseSqrtSchedule : public LrSchedule {
 public:
  explicit InverseSqrtSchedule(int64_t warmup) : warmup_(warmup) {}
  double lr_at(int64_t, double base_lr) const override { return base_lr; }
  bool per_step() const override { return true; }
  double lr_at_step(int64_t step, int64_t, double base_lr) const override {
    const int64_t s = step + 1;
    return s <= warmup_ ? base_lr : base_lr * std::sqrt(static_cast<double>(warmup_) / static_cast<double>(s));
  }

 private:
  int64_t warmup_;
};

}  // namespace

std::shared_ptr<LrSchedule> make_constant_schedule() { return std::make_shared<ConstantSchedule>(); }

std::shared_ptr<LrSchedule> make_step_schedule(StepScheduleOptions o) {
  if (o.step_size < 1) throw Error("StepScheduleOptions::step_size: must be >= 1");
  if (!(o.gamma > 0)) throw Error("StepScheduleOptions::gamma: must be > 0");
  return std::make_shared<StepSchedule>(o.step_size, o.gamma);
}

std::shared_ptr<LrSchedule> make_cosine_schedule(CosineScheduleOptions o) {
  if (o.t_max < 1) throw Error("CosineScheduleOptions::t_max: must be >= 1");
  if (!(o.eta_min >= 0)) throw Error("CosineScheduleOptions::eta_min: must be >= 0");
  return std::make_shared<CosineSchedule>(o.t_max, o.eta_min, o.per_step);
}

std::shared_ptr<LrSchedule> make_inverse_sqrt_schedule(InverseSqrtScheduleOptions o) {
  if (o.warmup < 1) throw Error("InverseSqrtScheduleOptions::warmup: must be >= 1 batch");
  return std::make_shared<InverseSqrtSchedule>(o.warmup);
}

// The config path fills the same options (its checks name the config keys first).
MODLR_REGISTER(schedule_registry, "constant", [](const Config&, const ScheduleContext&) -> std::shared_ptr<LrSchedule> {
  return make_constant_schedule();
});
MODLR_REGISTER(schedule_registry, "step", [](const Config& c, const ScheduleContext&) -> std::shared_ptr<LrSchedule> {
  StepScheduleOptions o;
  o.gamma = c.get_positive("gamma", o.gamma);
  o.step_size = c.get_count("step_size", o.step_size);
  return make_step_schedule(o);
});
MODLR_REGISTER(schedule_registry, "cosine",
               [](const Config& c, const ScheduleContext& context) -> std::shared_ptr<LrSchedule> {
                 CosineScheduleOptions o;
                 o.t_max = c.get_count("t_max", std::max<int64_t>(context.epochs, 1));
                 o.eta_min = c.get_positive("eta_min", o.eta_min, /*allow_zero=*/true);
                 o.per_step = c.get_choice("unit", "epoch", {"epoch", "step"}) == "step";
                 return make_cosine_schedule(o);
               });
MODLR_REGISTER(schedule_registry, "inverse_sqrt",
               [](const Config& c, const ScheduleContext& context) -> std::shared_ptr<LrSchedule> {
                 if (context.warmup.length < 1 || !context.warmup.per_step)
                   c.fail("warmup",
                          "inverse_sqrt decays from the end of its warm-up: set warmup to a number of "
                          "batches (warmup_unit: step)");
                 return make_inverse_sqrt_schedule({context.warmup.length});
               });

}  // namespace modlr
