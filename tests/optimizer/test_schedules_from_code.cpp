// The schedules built from code equal the ones their config builds; bad options are one
// line naming the field. Values by hand: StepLR(step 2, gamma 0.5), the closed form of
// CosineAnnealingLR(t_max 4), per epoch and per batch, and the inverse square root decay
// behind its linear warm-up, through the Optimizer that applies them.
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/core/error.h"
#include "modlr/optimizer/optimizer.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

std::shared_ptr<modlr::LrSchedule> from_config(const std::string& yaml, int64_t epochs = 4) {
  const auto c = modlr::Config::parse(yaml, "s.yaml");
  return modlr::schedule_registry().create(c.get<std::string>("name"), "schedule", c,
                                           modlr::ScheduleContext{epochs, {}});
}

}  // namespace

TEST(SchedulesFromCode, EqualTheConfigBuiltOnes) {
  const auto step = modlr::make_step_schedule({2, 0.5});
  const auto step_config = from_config("{name: step, step_size: 2, gamma: 0.5}");
  const auto cosine = modlr::make_cosine_schedule({4, 0.0, false});
  const auto cosine_config = from_config("{name: cosine}");  // t_max: the run's 4 epochs
  EXPECT_DOUBLE_EQ(step->lr_at(3, 1.0), 0.5);                // 0.5^floor(3 / 2)
  EXPECT_DOUBLE_EQ(step->lr_at(4, 1.0), 0.25);
  EXPECT_DOUBLE_EQ(cosine->lr_at(2, 1.0), 0.5);  // (1 + cos(pi / 2)) / 2
  EXPECT_DOUBLE_EQ(cosine->lr_at(9, 1.0), 0.0);  // held at eta_min after t_max
  for (int64_t epoch = 0; epoch < 8; ++epoch) {
    EXPECT_EQ(step->lr_at(epoch, 0.1), step_config->lr_at(epoch, 0.1)) << epoch;
    EXPECT_EQ(cosine->lr_at(epoch, 0.1), cosine_config->lr_at(epoch, 0.1)) << epoch;
  }
  EXPECT_EQ(modlr::make_constant_schedule()->lr_at(5, 0.3), 0.3);
}

TEST(SchedulesFromCode, BadOptionsNameTheField) {
  EXPECT_EQ(mt::error_message([] {
              modlr::make_step_schedule({0, 0.5});
            }),
            "StepScheduleOptions::step_size: must be >= 1");
  EXPECT_EQ(mt::error_message([] { modlr::make_step_schedule({1, 0.0}); }), "StepScheduleOptions::gamma: must be > 0");
  EXPECT_EQ(mt::error_message([] {
              modlr::make_cosine_schedule({0, 0.0, false});
            }),
            "CosineScheduleOptions::t_max: must be >= 1");
  EXPECT_EQ(mt::error_message([] {
              modlr::make_cosine_schedule({3, -1.0, false});
            }),
            "CosineScheduleOptions::eta_min: must be >= 0");
}

TEST(SchedulesFromCode, StepSchedulesChangeTheRateEveryBatch) {
  // Cosine over t_max 2 epochs of 5 batches: half-way (batch 5) is half the rate, no stair.
  const auto cosine = modlr::make_cosine_schedule({2, 0.0, true});
  EXPECT_TRUE(cosine->per_step());
  EXPECT_DOUBLE_EQ(cosine->lr_at_step(5, 5, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(cosine->lr_at_step(1, 5, 1.0), (1 + std::cos(M_PI * 0.1)) / 2);
  EXPECT_DOUBLE_EQ(cosine->lr_at_step(12, 5, 1.0), 0.0);
  const auto cosine_config = from_config("{name: cosine, unit: step}", 2);
  for (int64_t step = 0; step < 12; ++step)
    EXPECT_EQ(cosine_config->lr_at_step(step, 5, 0.1), cosine->lr_at_step(step, 5, 0.1)) << step;
  // inverse_sqrt with a 4-batch warm-up from 0, through the Optimizer: t/4 for t < 4, then
  // sqrt(4 / (t + 1)).
  torch::Tensor w = torch::zeros({1}, torch::requires_grad());
  auto optimizer = modlr::build_optimizer(
      modlr::Config::parse("{name: sgd, lr: 1.0, schedule: {name: inverse_sqrt, warmup: 4, warmup_start: 0}}",
                           "o.yaml"),
      {w}, 3, "model", "loss");
  optimizer->set_steps_per_epoch(5);
  const std::vector<double> expected = {0.0, 0.25, 0.5, 0.75, std::sqrt(4.0 / 5), std::sqrt(4.0 / 6)};
  for (int64_t step = 0; step < 6; ++step) {
    if (step % 5 == 0) optimizer->start_epoch(step / 5);
    optimizer->start_step(step);
    EXPECT_DOUBLE_EQ(optimizer->lr(), expected[static_cast<size_t>(step)]) << step;
  }
  optimizer->start_step(15);
  EXPECT_DOUBLE_EQ(optimizer->lr(), 0.5);  // sqrt(4 / 16)
  EXPECT_NE(mt::error_message([] {
              const auto c = modlr::Config::parse("{name: sgd, schedule: {name: inverse_sqrt}}", "o.yaml");
              torch::Tensor v = torch::zeros({1}, torch::requires_grad());
              modlr::build_optimizer(c, {v}, 3, "model", "loss");
            }).find("schedule.warmup"),
            std::string::npos);
  EXPECT_EQ(mt::error_message([] { modlr::make_inverse_sqrt_schedule({0}); }),
            "InverseSqrtScheduleOptions::warmup: must be >= 1 batch");
}
