#include <gtest/gtest.h>

#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/runner.h"
#include "runner_fixtures.h"

using modlr::Event;
namespace fx = modlr::testing;

namespace {

// Records every event with the epoch and batch it saw.
class RecorderHook : public modlr::Hook {
 public:
  std::string name() const override { return "recorder"; }
  std::vector<Event> events() const override {
    std::vector<Event> all;
    for (int e = 0; e <= static_cast<int>(Event::fit_end); ++e) all.push_back(static_cast<Event>(e));
    return all;
  }
  void on(Event event, const modlr::RunState& s, modlr::Control& control) override {
    log.push_back(modlr::event_name(event));
    if (event == Event::batch_end && s.global_step == stop_after) control.stop = true;
  }
  std::vector<std::string> log;
  int64_t stop_after = -1;
};

std::vector<std::string> epoch_events(int batches, bool validate) {
  std::vector<std::string> out = {"epoch_start"};
  for (int b = 0; b < batches; ++b)
    out.insert(out.end(), {"batch_start", "batch_ready", "after_loss", "after_backward", "after_step", "batch_end",
                           "batch_complete"});
  out.push_back("epoch_end");
  if (validate) out.insert(out.end(), {"evaluation_start", "evaluation_end"});
  out.push_back("epoch_complete");
  return out;
}

}  // namespace

TEST(Runner, HooksFireInExactOrder) {
  fx::LinearProblem problem(/*examples=*/4, /*batch=*/2);
  auto recorder = std::make_shared<RecorderHook>();
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(2));
  runner.add_hook(recorder);
  runner.add_hook(std::make_shared<modlr::ValidationScheduleHook>(1));
  auto train = problem.loader(), validation = problem.loader();
  runner.fit(*train, validation.get());
  std::vector<std::string> expected = {"fit_start"};
  for (int epoch = 0; epoch < 2; ++epoch) {
    auto events = epoch_events(2, true);
    expected.insert(expected.end(), events.begin(), events.end());
  }
  expected.push_back("fit_end");
  EXPECT_EQ(recorder->log, expected);
  EXPECT_EQ(runner.state().global_step, 4);
  EXPECT_EQ(runner.hook_seconds().count("recorder"), 1u);
}

TEST(Runner, ValidationEveryNEpochsAndAtTheEnd) {
  fx::LinearProblem problem(4, 4);
  auto recorder = std::make_shared<RecorderHook>();
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(5));
  runner.add_hook(recorder);
  runner.add_hook(std::make_shared<modlr::ValidationScheduleHook>(2));
  auto train = problem.loader(), validation = problem.loader();
  runner.fit(*train, validation.get());
  // Epochs 2 and 4 by the schedule, 5 because it is the last.
  EXPECT_EQ(std::count(recorder->log.begin(), recorder->log.end(), "evaluation_end"), 3);
}

TEST(Runner, HookCanStopTraining) {
  fx::LinearProblem problem(8, 2);
  auto recorder = std::make_shared<RecorderHook>();
  recorder->stop_after = 3;
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(3));
  runner.add_hook(recorder);
  auto train = problem.loader();
  runner.fit(*train, nullptr);
  EXPECT_EQ(runner.state().global_step, 3);
  EXPECT_EQ(recorder->log.back(), "fit_end");
}

TEST(Runner, LearnsALinearMapAndReportsEpochLoss) {
  // y = 2x - 1 from 64 points: a few epochs of SGD must bring the MSE near zero.
  fx::LinearProblem problem(64, 8);
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(30));
  auto train = problem.loader();
  runner.fit(*train, nullptr);
  EXPECT_LT(runner.state().train_metrics.at("loss"), 1e-3);
  auto test = problem.loader();
  const auto result = runner.evaluate(*test, "test");
  EXPECT_EQ(result.examples, 64);
  EXPECT_LT(result.metrics.at("loss"), 1e-3);
  EXPECT_GT(result.metrics.at("r2"), 0.999);
}

TEST(Runner, EpochLossIsTheExampleWeightedMeanOfStepLosses) {
  // With lr 0 nothing changes, so the epoch loss equals the evaluation loss exactly... up to
  // summation order: both are sums of batch means times batch sizes over the same batches.
  fx::LinearProblem problem(10, 4, /*lr=*/0.0);
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(1));
  auto train = problem.loader(/*shuffle=*/false, /*batch=*/4);
  runner.fit(*train, nullptr);
  auto test = problem.loader(false, 4);
  EXPECT_DOUBLE_EQ(runner.state().train_metrics.at("loss"), runner.evaluate(*test, "t").metrics.at("loss"));
}

TEST(Runner, NonFiniteObjectiveStopsBeforeTheUpdate) {
  fx::LinearProblem problem(8, 2);
  problem.poison_at_call = 3;  // the third loss computation returns NaN
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(1));
  auto train = problem.loader();
  torch::Tensor before;
  try {
    runner.fit(*train, nullptr);
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 3: objective 'loss' or its gradient is nan"), std::string::npos)
        << e.what();
  }
  for (const auto& p : problem.models.only().parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(Runner, NonFiniteGradientBehindAFiniteLossIsCaught) {
  fx::LinearProblem problem(8, 2);
  problem.poison_gradient_at_call = 2;
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(1));
  auto train = problem.loader();
  try {
    runner.fit(*train, nullptr);
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 2: objective 'loss' or its gradient is nan"), std::string::npos)
        << e.what();
  }
  for (const auto& p : problem.models.only().parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(Runner, SkipBatchOnNanSkipsUpToTheLimit) {
  fx::LinearProblem problem(8, 2);
  problem.poison_at_call = 3;
  auto options = problem.options(2);
  options.on_nan = "skip_batch";
  options.max_skipped_batches = 1;
  modlr::Runner runner(problem.models, *problem.loss, problem.optimizers, options);
  auto train = problem.loader();
  runner.fit(*train, nullptr);
  EXPECT_EQ(runner.state().skipped_batches, 1);
  EXPECT_EQ(runner.state().global_step, 8);
  for (const auto& p : problem.models.only().parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());

  fx::LinearProblem strict(8, 2);
  strict.poison_at_call = 3;
  auto no_skips = strict.options(1);
  no_skips.on_nan = "skip_batch";
  no_skips.max_skipped_batches = 0;
  modlr::Runner limited(strict.models, *strict.loss, strict.optimizers, no_skips);
  auto loader = strict.loader();
  EXPECT_THROW(limited.fit(*loader, nullptr), modlr::Error);
}
