// The median and ASHA pruners (tune/pruner.h) against decisions derived by hand from
// Optuna's rules.
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/core/error.h"
#include "modlr/tune/pruner.h"

namespace modlr {
namespace {

TrialSnapshot finished_trial(int64_t number, std::map<int64_t, double> curve, TrialState state = TrialState::complete) {
  TrialSnapshot trial;
  trial.number = number;
  trial.state = state;
  trial.curve = std::move(curve);
  if (state == TrialState::complete) trial.value = trial.curve.rbegin()->second;
  return trial;
}

TEST(Percentile, InterpolatesAsNumpyDoes) {
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 50), 2.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 2, 3}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 25), 2.0);
  EXPECT_DOUBLE_EQ(percentile({10, 20}, 90), 19.0);  // numpy.percentile([10, 20], 90)
  EXPECT_DOUBLE_EQ(percentile({NAN, 5}, 50), 5.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
}

TEST(MedianPruner, PrunesBelowTheMedianOfCompleteTrialsAtTheSameStep) {
  PrunerOptions options{"median", /*startup_trials=*/2, /*warmup_steps=*/0};
  const auto pruner = make_pruner(options, Objective{"validation.accuracy", true});
  const std::vector<TrialSnapshot> others{finished_trial(0, {{1, 0.5}, {2, 0.7}}),
                                          finished_trial(1, {{1, 0.6}, {2, 0.8}}),
                                          finished_trial(2, {{1, 0.9}}, TrialState::pruned)};  // not complete
  // Median at step 1 of the complete trials: (0.5 + 0.6) / 2 = 0.55.
  EXPECT_TRUE(pruner->should_prune({{1, 0.54}}, others));
  EXPECT_FALSE(pruner->should_prune({{1, 0.56}}, others));
  // At step 2 the run's best so far counts: 0.76 at step 1 beats the median 0.75.
  EXPECT_FALSE(pruner->should_prune({{1, 0.76}, {2, 0.6}}, others));
  EXPECT_TRUE(pruner->should_prune({{1, 0.70}, {2, 0.74}}, others));
  // Nobody reported step 3: no decision.
  EXPECT_FALSE(pruner->should_prune({{1, 0.1}, {2, 0.1}, {3, 0.1}}, others));
}

TEST(MedianPruner, WaitsForStartupTrialsAndWarmup) {
  const std::vector<TrialSnapshot> one{finished_trial(0, {{1, 0.9}})};
  EXPECT_FALSE(make_pruner({"median", 2, 0}, Objective{})->should_prune({{1, 0.1}}, one));
  const std::vector<TrialSnapshot> two{finished_trial(0, {{1, 0.9}}), finished_trial(1, {{1, 0.9}})};
  EXPECT_TRUE(make_pruner({"median", 2, 0}, Objective{})->should_prune({{1, 0.1}}, two));
  EXPECT_FALSE(make_pruner({"median", 2, 1}, Objective{})->should_prune({{1, 0.1}}, two));
}

TEST(MedianPruner, MinimisesALoss) {
  const std::vector<TrialSnapshot> others{finished_trial(0, {{1, 1.0}}), finished_trial(1, {{1, 2.0}})};
  const auto pruner = make_pruner({"median", 1, 0}, Objective{"validation.loss", false});
  EXPECT_TRUE(pruner->should_prune({{1, 1.6}}, others));
  EXPECT_FALSE(pruner->should_prune({{1, 1.4}}, others));
}

TEST(AshaPruner, PromotesTheTopThirdAtEachRung) {
  PrunerOptions options;
  options.name = "asha";
  options.min_resource = 1;
  options.reduction_factor = 3;
  const auto pruner = make_pruner(options, Objective{});
  // Rungs at steps 1, 3, 9. Five others at rung 0 (step 1): with the run, 6 values;
  // 6 / 3 = 2 promoted: the run must be among the best two.
  std::vector<TrialSnapshot> others;
  const double values[] = {0.1, 0.2, 0.3, 0.4, 0.5};
  for (int i = 0; i < 5; ++i) others.push_back(finished_trial(i, {{1, values[i]}}, TrialState::running));
  EXPECT_FALSE(pruner->should_prune({{1, 0.45}}, others));  // second best of 6
  EXPECT_TRUE(pruner->should_prune({{1, 0.35}}, others));   // third
  // Step 2 is no rung: never pruned there.
  EXPECT_FALSE(pruner->should_prune({{1, 0.45}, {2, 0.0}}, others));
}

TEST(AshaPruner, WithFewerThanEtaValuesOnlyTheBestGoesOn) {
  const auto pruner = make_pruner({"asha", 5, 0, 1, 3}, Objective{});
  const std::vector<TrialSnapshot> others{finished_trial(0, {{1, 0.5}})};
  EXPECT_TRUE(pruner->should_prune({{1, 0.4}}, others));
  EXPECT_FALSE(pruner->should_prune({{1, 0.5}}, others));  // a tie is not worse
  EXPECT_FALSE(pruner->should_prune({{1, 0.4}}, {}));      // the first trial always goes on
  EXPECT_TRUE(pruner->should_prune({{1, NAN}}, {}));       // a diverged run stops
}

TEST(AshaPruner, MinimisingAndAMinResource) {
  const auto pruner = make_pruner({"asha", 5, 0, 2, 2}, Objective{"validation.loss", false});
  // Rungs at 2, 4, 8; two others at step 2 plus the run: 3 / 2 = 1 promoted.
  const std::vector<TrialSnapshot> others{finished_trial(0, {{2, 1.0}}), finished_trial(1, {{2, 3.0}})};
  EXPECT_FALSE(pruner->should_prune({{1, 9.0}}, others));  // step 1: before the first rung
  EXPECT_TRUE(pruner->should_prune({{1, 0.5}, {2, 2.0}}, others));
  EXPECT_FALSE(pruner->should_prune({{1, 0.5}, {2, 0.9}}, others));
}

TEST(Pruners, RefuseUnknownNamesAndBadOptions) {
  EXPECT_THROW(make_pruner({"hyperband"}, Objective{}), Error);
  EXPECT_THROW(make_pruner({"asha", 5, 0, 0, 3}, Objective{}), Error);
  EXPECT_THROW(make_pruner({"asha", 5, 0, 1, 1}, Objective{}), Error);
  EXPECT_THROW(make_pruner({"median", -1, 0}, Objective{}), Error);
  EXPECT_FALSE(make_pruner({"none"}, Objective{})->should_prune({{1, NAN}}, {}));
}

}  // namespace
}  // namespace modlr
