// The grid, random and TPE samplers (tune/sampler.h).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "../../src/tune/tpe_sampler.h"
#include "modlr/core/error.h"
#include "modlr/tune/sampler.h"

namespace modlr {
namespace {

const char* const kMixedSpace =
    "lr: {type: log_uniform, low: 0.001, high: 1.0}\n"
    "momentum: {type: uniform, low: 0.0, high: 0.9}\n"
    "epochs: {type: int, low: 1, high: 3}\n"
    "model: {type: categorical, choices: [a, b, c]}\n";

TEST(RandomSampler, StaysInRangeAndRepeatsForTheSameSeed) {
  const auto space = SearchSpace::parse(kMixedSpace, "space.yaml");
  auto first = make_sampler({"random", 7}, Objective{}, space);
  auto again = make_sampler({"random", 7}, Objective{}, space);
  auto other = make_sampler({"random", 8}, Objective{}, space);
  std::set<double> epochs, models;
  for (int64_t n = 0; n < 200; ++n) {
    const auto params = first->sample(space, {}, n);
    space.check(params, "trial");
    EXPECT_EQ(params, again->sample(space, {}, n));
    EXPECT_NE(params.at("lr"), other->sample(space, {}, n).at("lr"));
    epochs.insert(params.at("epochs"));
    models.insert(params.at("model"));
  }
  EXPECT_EQ(epochs, (std::set<double>{1, 2, 3}));  // both ends of an int range are drawn
  EXPECT_EQ(models, (std::set<double>{0, 1, 2}));
}

TEST(RandomSampler, LogUniformIsUniformInLogSpace) {
  const auto space = SearchSpace::parse("lr: {type: log_uniform, low: 0.001, high: 1.0}\n", "space.yaml");
  auto sampler = make_sampler({"random", 1}, Objective{}, space);
  int below_hundredth = 0;
  for (int64_t n = 0; n < 3000; ++n) below_hundredth += sampler->sample(space, {}, n).at("lr") < 0.01;
  EXPECT_NEAR(below_hundredth / 3000.0, 1.0 / 3.0, 0.03);  // log10: [-3, -2) of [-3, 0]
}

TEST(GridSampler, WalksEveryCombinationOnce) {
  const auto space = SearchSpace::parse(
      "a: {type: categorical, choices: [x, y]}\nb: {type: int, low: 1, high: 3}\n"
      "c: {type: uniform, low: 0, high: 1, points: 2}\n",
      "space.yaml");
  auto grid = make_sampler({"grid"}, Objective{}, space);
  ASSERT_EQ(grid->capacity(space), 12);
  std::set<std::string> seen;
  for (int64_t n = 0; n < 12; ++n) seen.insert(space.describe(grid->sample(space, {}, n)));
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(space.describe(grid->sample(space, {}, 0)), "a=x b=1 c=0");
  EXPECT_EQ(space.describe(grid->sample(space, {}, 1)), "a=x b=1 c=1");
  EXPECT_EQ(space.describe(grid->sample(space, {}, 2)), "a=x b=2 c=0");
}

TEST(GridSampler, NeedsPointsForAContinuousRange) {
  const auto space = SearchSpace::parse("lr: {type: uniform, low: 0, high: 1}\n", "space.yaml");
  try {
    make_sampler({"grid"}, Objective{}, space);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'lr' needs 'points: N'"), std::string::npos);
  }
  EXPECT_THROW(make_sampler({"bayes"}, Objective{}, space), Error);
}

TEST(RankTrials, CompleteByValueThenPrunedByHowFarTheyGot) {
  std::vector<TrialSnapshot> history(5);
  for (int i = 0; i < 5; ++i) history[i].number = i;
  history[0].state = history[1].state = TrialState::complete;
  history[0].value = 0.7;
  history[1].value = 0.9;
  history[2].state = history[3].state = TrialState::pruned;
  history[2].curve = {{1, 0.95}};
  history[3].curve = {{1, 0.5}, {2, 0.6}};
  history[4].state = TrialState::failed;
  const auto ranked = rank_trials(history, Objective{});
  ASSERT_EQ(ranked.size(), 4u);
  EXPECT_EQ(ranked[0]->number, 1);
  EXPECT_EQ(ranked[1]->number, 0);
  EXPECT_EQ(ranked[2]->number, 3);
  EXPECT_EQ(ranked[3]->number, 2);
}

// A study of a known function, trial by trial as the driver runs one: TPE's later draws
// concentrate near the optimum, random's do not.
double mean_distance_of_late_draws(const std::string& sampler_name, uint64_t seed) {
  const auto space = SearchSpace::parse("x: {type: uniform, low: 0, high: 1}\n", "space.yaml");
  auto sampler = make_sampler({sampler_name, seed, 10, 24}, Objective{"validation.score", true}, space);
  std::vector<TrialSnapshot> history;
  double distance = 0;
  for (int64_t n = 0; n < 40; ++n) {
    TrialSnapshot trial;
    trial.number = n;
    trial.params = sampler->sample(space, history, n);
    const double x = trial.params.at("x");
    trial.state = TrialState::complete;
    trial.value = -(x - 0.3) * (x - 0.3);
    if (n >= 20) distance += std::abs(x - 0.3);
    history.push_back(trial);
  }
  return distance / 20;
}

TEST(TpeSampler, ConcentratesNearTheOptimumAndRepeats) {
  double tpe = 0, random = 0;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    tpe += mean_distance_of_late_draws("tpe", seed);
    random += mean_distance_of_late_draws("random", seed);
  }
  EXPECT_LT(tpe, 0.5 * random) << "tpe " << tpe / 5 << ", random " << random / 5;
  EXPECT_EQ(mean_distance_of_late_draws("tpe", 3), mean_distance_of_late_draws("tpe", 3));
}

TEST(TpeSampler, LearnsACategoricalChoice) {
  const auto space = SearchSpace::parse("c: {type: categorical, choices: [a, b, c, d]}\n", "space.yaml");
  auto sampler = make_sampler({"tpe", 1, 8, 24}, Objective{}, space);
  std::vector<TrialSnapshot> history;
  int picked_best = 0;
  for (int64_t n = 0; n < 30; ++n) {
    TrialSnapshot trial;
    trial.number = n;
    trial.params = sampler->sample(space, history, n);
    trial.state = TrialState::complete;
    trial.value = trial.params.at("c") == 2 ? 1.0 : 0.0;
    if (n >= 15) picked_best += trial.params.at("c") == 2;
    history.push_back(trial);
  }
  EXPECT_GE(picked_best, 10);  // of 15; uniform picking would give about 4
}

}  // namespace
}  // namespace modlr
