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

/// lr = base * gamma^floor(epoch / step_size)   (PyTorch's StepLR)
class StepSchedule : public LrSchedule {
 public:
  StepSchedule(int64_t step_size, double gamma) : step_size_(step_size), gamma_(gamma) {}
  double lr_at(int64_t epoch, double base_lr) const override {
    return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
  }

 private:
  int64_t step_size_;
  double gamma_;
};

/// lr = eta_min + (base - eta_min) * (1 + cos(pi * min(epoch, t_max) / t_max)) / 2
/// (the closed form of PyTorch's CosineAnnealingLR, held at eta_min after t_max).
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

MODLR_REGISTER(schedule_registry, "constant",
               [](const Config&, int64_t) -> std::shared_ptr<LrSchedule> {
                 return std::make_shared<ConstantSchedule>();
               });
MODLR_REGISTER(schedule_registry, "step", [](const Config& c, int64_t) -> std::shared_ptr<LrSchedule> {
  const double gamma = c.get_positive("gamma", 0.1);
  return std::make_shared<StepSchedule>(c.get_count("step_size", 1), gamma);
});
MODLR_REGISTER(schedule_registry, "cosine",
               [](const Config& c, int64_t epochs) -> std::shared_ptr<LrSchedule> {
                 const int64_t t_max = c.get_count("t_max", std::max<int64_t>(epochs, 1));
                 return std::make_shared<CosineSchedule>(t_max, c.get_positive("eta_min", 0.0, true));
               });

}  // namespace modlr
