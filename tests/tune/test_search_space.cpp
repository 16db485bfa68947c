// SPACE.yaml parsing (tune/search_space.h): values, overrides, grids and every refusal.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/tune/search_space.h"

namespace modlr {
namespace {

std::string space_error(const std::string& yaml) {
  try {
    SearchSpace::parse(yaml, "space.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(SearchSpace, ReadsEveryDistributionInOrder) {
  const auto space = SearchSpace::parse(
      "optimizer.lr: {type: log_uniform, low: 0.001, high: 0.1}\n"
      "optimizer.momentum: {type: uniform, low: 0.0, high: 0.9, points: 4}\n"
      "runner.epochs: {type: int, low: 1, high: 3}\n"
      "dataset.batch_size: {type: categorical, choices: [32, 64]}\n",
      "space.yaml");
  const auto& p = space.parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].key, "optimizer.lr");
  EXPECT_EQ(p[0].distribution, Distribution::log_uniform);
  EXPECT_EQ(p[1].points, 4);
  EXPECT_EQ(p[2].grid_size(), 3);
  EXPECT_EQ(p[3].choices, (std::vector<std::string>{"32", "64"}));
  const TrialParams params{
      {"optimizer.lr", 0.0125}, {"optimizer.momentum", 0.5}, {"runner.epochs", 2.0}, {"dataset.batch_size", 1.0}};
  EXPECT_EQ(space.overrides_for(params), (std::vector<std::string>{"optimizer.lr=0.0125", "optimizer.momentum=0.5",
                                                                   "runner.epochs=2", "dataset.batch_size=64"}));
  EXPECT_EQ(space.describe(params), "optimizer.lr=0.0125 optimizer.momentum=0.5 runner.epochs=2 dataset.batch_size=64");
  EXPECT_EQ(space.describe({{"optimizer.lr", 0.0123456789}}), "optimizer.lr=0.01235");
  space.check(params, "trial 0");
}

TEST(SearchSpace, GridValuesAreEvenlySpacedInTheirOwnScale) {
  const auto space = SearchSpace::parse(
      "a: {type: uniform, low: 0, high: 1, points: 5}\nb: {type: log_uniform, low: 0.001, high: 0.1, points: 3}\n",
      "space.yaml");
  EXPECT_DOUBLE_EQ(space.parameters()[0].grid_value(1), 0.25);
  EXPECT_DOUBLE_EQ(space.parameters()[0].grid_value(4), 1.0);
  EXPECT_NEAR(space.parameters()[1].grid_value(1), 0.01, 1e-15);  // the geometric middle
}

TEST(SearchSpace, RefusesWhatCannotBeSearchedNamingTheKey) {
  EXPECT_NE(space_error("optimizer.lr: {type: uniform, low: 0.1, high: 0.1}").find("'optimizer.lr.high': empty range"),
            std::string::npos);
  EXPECT_NE(space_error("optimizer.lr: {type: uniform, low: 0.2, high: 0.1}").find("empty range"), std::string::npos);
  EXPECT_NE(space_error("optimizer.lr: {type: log_uniform, low: 0, high: 0.1}").find("log_uniform needs low > 0"),
            std::string::npos);
  EXPECT_NE(space_error("optimizer.lr: {type: normal, low: 0, high: 1}").find("'optimizer.lr.type'"),
            std::string::npos);
  EXPECT_NE(space_error("optimizer.lr: {type: uniform, low: 0, hihg: 1}").find("optimizer.lr"), std::string::npos);
  EXPECT_NE(space_error("optimizer.lr: {type: uniform, low: 0, high: 1, step: 2}").find("optimizer.lr.step"),
            std::string::npos);
  EXPECT_NE(space_error("runner.epochs: {type: int, low: 1.5, high: 3}").find("whole numbers"), std::string::npos);
  EXPECT_NE(space_error("model.name: {type: categorical, choices: []}").find("at least one choice"), std::string::npos);
  EXPECT_NE(space_error("model.name: {type: categorical, choices: [a, a]}").find("listed twice"), std::string::npos);
  EXPECT_NE(space_error("a: {type: uniform, low: 0, high: 1, points: 1}").find("at least 2 points"), std::string::npos);
  EXPECT_NE(space_error("{}").find("an empty search space"), std::string::npos);
  EXPECT_NE(space_error("a: [1, 2").find("space.yaml"), std::string::npos);
}

TEST(SearchSpace, RefusesKeysThatChangeTheWorkload) {
  for (const char* key : {"dataset.path", "dataset.name", "loss.name", "seed", "tracking.dir", "metrics.eval"}) {
    const auto message = space_error(std::string(key) + ": {type: categorical, choices: [a, b]}");
    EXPECT_NE(message.find(std::string("'") + key + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("cannot be searched"), std::string::npos) << message;
  }
  // A key that merely starts like a locked one is fine.
  EXPECT_EQ(space_error("dataset.pathological: {type: uniform, low: 0, high: 1}"), "no error");
}

TEST(SearchSpace, CheckRefusesParamsOfAnotherSpace) {
  const auto space = SearchSpace::parse("a: {type: uniform, low: 0, high: 1}\n", "space.yaml");
  EXPECT_THROW(space.check({{"a", 2.0}}, "trial 3"), Error);
  EXPECT_THROW(space.check({{"b", 0.5}}, "trial 3"), Error);
  EXPECT_THROW(space.check({{"a", 0.5}, {"b", 0.5}}, "trial 3"), Error);
}

}  // namespace
}  // namespace modlr
