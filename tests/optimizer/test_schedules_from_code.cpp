// The schedules built from code equal the ones their config builds; bad options are one
// line naming the field. Values by hand: StepLR(step 2, gamma 0.5) and the closed form of
// CosineAnnealingLR(t_max 4).
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/optimizer/optimizer.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

std::shared_ptr<modlr::LrSchedule> from_config(const std::string& yaml, int64_t epochs = 4) {
  const auto c = modlr::Config::parse(yaml, "s.yaml");
  return modlr::schedule_registry().create(c.get<std::string>("name"), "schedule", c, epochs);
}

}  // namespace

TEST(SchedulesFromCode, EqualTheConfigBuiltOnes) {
  const auto step = modlr::make_step_schedule({2, 0.5});
  const auto step_config = from_config("{name: step, step_size: 2, gamma: 0.5}");
  const auto cosine = modlr::make_cosine_schedule({4, 0.0});
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
              modlr::make_cosine_schedule({0, 0.0});
            }),
            "CosineScheduleOptions::t_max: must be >= 1");
  EXPECT_EQ(mt::error_message([] {
              modlr::make_cosine_schedule({3, -1.0});
            }),
            "CosineScheduleOptions::eta_min: must be >= 0");
}
