// Learning-rate schedules, in closed form of the completed-epoch count so that a resumed
// run and a PyTorch twin compute the same rate.
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
  CosineSchedule(int64_t t_max, double eta_min) : t_max_(t_max), eta_min_(eta_min) {}
  double lr_at(int64_t epoch, double base_lr) const override {
    const double progress = static_cast<double>(std::min(epoch, t_max_)) / static_cast<double>(t_max_);
    return eta_min_ + (base_lr - eta_min_) * (1 + std::cos(M_PI * progress)) / 2;
  }

 private:
  int64_t t_max_;
  double eta_min_;
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
  return std::make_shared<CosineSchedule>(o.t_max, o.eta_min);
}

// The config path fills the same options (its checks name the config keys first).
MODLR_REGISTER(schedule_registry, "constant",
               [](const Config&, int64_t) -> std::shared_ptr<LrSchedule> { return make_constant_schedule(); });
MODLR_REGISTER(schedule_registry, "step", [](const Config& c, int64_t) -> std::shared_ptr<LrSchedule> {
  StepScheduleOptions o;
  o.gamma = c.get_positive("gamma", o.gamma);
  o.step_size = c.get_count("step_size", o.step_size);
  return make_step_schedule(o);
});
MODLR_REGISTER(schedule_registry, "cosine", [](const Config& c, int64_t epochs) -> std::shared_ptr<LrSchedule> {
  CosineScheduleOptions o;
  o.t_max = c.get_count("t_max", std::max<int64_t>(epochs, 1));
  o.eta_min = c.get_positive("eta_min", o.eta_min, /*allow_zero=*/true);
  return make_cosine_schedule(o);
});

}  // namespace modlr
