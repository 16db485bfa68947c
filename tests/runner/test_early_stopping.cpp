// The early_stopping hook's decisions on hand-made sequences of validation losses, its
// state across a resume, and its one-line errors.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/runner/early_stopping_hook.h"

namespace {

using modlr::Event;

class EarlyStoppingTest : public ::testing::Test {
 protected:
  // One epoch: its validation value, then the epoch's end. True when the hook stops.
  bool epoch(modlr::EarlyStoppingHook& hook, double value, const std::string& metric = "loss") {
    state.epoch += 1;
    modlr::Control control;
    hook.on(Event::epoch_end, state, control);
    result.metrics = {{metric, value}};
    state.split = "validation";
    state.evaluation = &result;
    hook.on(Event::evaluation_end, state, control);
    hook.on(Event::epoch_complete, state, control);
    return control.stop;
  }
  modlr::RunState state;  // no run directory: nothing is written
  modlr::EvaluationResult result;
};

TEST_F(EarlyStoppingTest, StopsAfterPatienceChecksWithoutImprovement) {
  modlr::EarlyStoppingHook hook({"validation", "loss", false, 2, 0.0, false, 1});
  EXPECT_FALSE(epoch(hook, 1.0));
  EXPECT_FALSE(epoch(hook, 0.9));   // best 0.9 at epoch 2
  EXPECT_FALSE(epoch(hook, 0.95));  // 1 without improvement
  EXPECT_TRUE(epoch(hook, 0.91));   // 2: stop
  EXPECT_EQ(hook.best_epoch(), 2);
  EXPECT_DOUBLE_EQ(hook.best_value(), 0.9);
}

TEST_F(EarlyStoppingTest, MinDeltaMaximisingAndNaN) {
  // Maximising accuracy, improvements must exceed 0.05: 0.5 -> 0.54 is none, 0.6 is one.
  modlr::EarlyStoppingHook hook({"validation", "accuracy", true, 2, 0.05, false, 1});
  EXPECT_FALSE(epoch(hook, 0.5, "accuracy"));
  EXPECT_FALSE(epoch(hook, 0.54, "accuracy"));
  EXPECT_FALSE(epoch(hook, 0.6, "accuracy"));
  EXPECT_EQ(hook.best_epoch(), 3);
  EXPECT_FALSE(epoch(hook, std::nan(""), "accuracy"));  // NaN never improves
  EXPECT_TRUE(epoch(hook, 0.62, "accuracy"));
}

TEST_F(EarlyStoppingTest, ResumedStateContinuesTheCount) {
  modlr::EarlyStoppingHook first({"validation", "loss", false, 3, 0.0, false, 1});
  epoch(first, 1.0);
  epoch(first, 1.1);
  modlr::HookState saved;
  first.save_state(saved);
  modlr::EarlyStoppingHook resumed({"validation", "loss", false, 3, 0.0, false, 1});
  resumed.load_state(saved);
  EXPECT_EQ(resumed.best_epoch(), 1);
  EXPECT_FALSE(epoch(resumed, 1.2));  // 2 without improvement
  EXPECT_TRUE(epoch(resumed, 1.3));   // 3: stop, as the uninterrupted hook would
}

TEST_F(EarlyStoppingTest, MissingMetricOrValidationIsOneLine) {
  modlr::EarlyStoppingHook hook({"validation", "f1_macro", true, 2, 0.0, false, 1});
  state.epoch = 1;
  state.split = "validation";
  state.evaluation = &result;
  result.metrics = {{"loss", 0.5}};
  modlr::Control control;
  try {
    hook.on(Event::evaluation_end, state, control);
    FAIL() << "no error for a metric the split lacks";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(),
                 "EarlyStoppingOptions::metric: the validation split has no metric 'f1_macro' (it has: loss)");
  }
  // Monitoring validation in a run that evaluates none: an error at the epoch's end.
  modlr::EarlyStoppingHook without({"validation", "loss", false, 2, 0.0, false, 1});
  without.on(Event::epoch_end, state, control);
  EXPECT_THROW(without.on(Event::epoch_complete, state, control), modlr::Error);
}

}  // namespace
