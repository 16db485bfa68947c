// Hooks that change the execution: the batch and output hook points, `when` filters, and
// runner.hooks / runner.builtin_hooks read from a config.
#include <gtest/gtest.h>

#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/runner.h"
#include "runner_fixtures.h"

namespace modlr::testing {
namespace {

// Records the steps and epochs it is called at.
class Recorder : public Hook {
 public:
  std::string name() const override { return "recorder"; }
  std::vector<Event> events() const override { return {Event::batch_end, Event::epoch_end, Event::fit_start}; }
  void on(Event event, const RunState& state, Control&) override {
    if (event == Event::batch_end) steps.push_back(state.global_step);
    if (event == Event::epoch_end) epochs.push_back(state.epoch);
    if (event == Event::fit_start) ++fits;
  }
  std::vector<int64_t> steps, epochs;
  int fits = 0;
};

// Sets every input to `value` (a mask), or cuts the inputs to the wrong shape.
class MaskInputs : public Hook {
 public:
  explicit MaskInputs(std::string mode) : mode_(std::move(mode)) {}
  std::string name() const override { return "mask"; }
  std::vector<Event> events() const override { return {Event::batch_transform}; }
  void transform_batch(Batch& batch, const RunState&) override {
    if (mode_ == "zero") batch.x = torch::zeros_like(batch.x);
    if (mode_ == "widen") batch.x = torch::cat({batch.x, batch.x}, 1);
    if (mode_ == "drop") batch.x = batch.x.narrow(0, 0, 1);
  }

 private:
  std::string mode_;
};

// Clamps the model's outputs to [lo, hi] (post-processing the loss and metrics see).
class ClampOutputs : public Hook {
 public:
  std::string name() const override { return "clamp"; }
  std::vector<Event> events() const override { return {Event::output_transform}; }
  torch::Tensor transform_output(const std::string& model, torch::Tensor output, const RunState&) override {
    models.push_back(model);
    return output.clamp(0.25, 0.5);
  }
  std::vector<std::string> models;
};

std::vector<int64_t> run_with_filter(HookFilter filter, int64_t epochs = 4) {
  LinearProblem problem(32, 8);  // 4 steps an epoch
  Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(epochs));
  auto recorder = std::make_shared<Recorder>();
  runner.add_hook(filtered(recorder, filter));
  auto train = problem.loader();
  runner.fit(*train, nullptr);
  auto out = recorder->steps;
  out.push_back(-1);
  out.insert(out.end(), recorder->epochs.begin(), recorder->epochs.end());
  EXPECT_EQ(recorder->fits, 1);  // run events always pass
  return out;
}

}  // namespace

TEST(HookFilters, EveryStepsEveryEpochsAndOnce) {
  EXPECT_EQ(run_with_filter({5, 1, false}), (std::vector<int64_t>{5, 10, 15, -1, 1, 2, 3, 4}));
  EXPECT_EQ(run_with_filter({1, 3, false}, 4),
            (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, 3, 4}));  // and the last
  EXPECT_EQ(run_with_filter({2, 1, true}), (std::vector<int64_t>{2, -1}));
  EXPECT_THROW(filtered(std::make_shared<Recorder>(), {0, 1, false}), Error);
}

TEST(HookPoints, ABatchTransformChangesWhatTheModelLearnsFrom) {
  LinearProblem plain(32, 8), masked(32, 8);
  Runner plain_runner(plain.models, *plain.loss, plain.optimizers, plain.options(2));
  Runner masked_runner(masked.models, *masked.loss, masked.optimizers, masked.options(2));
  masked_runner.add_hook(std::make_shared<MaskInputs>("zero"));
  auto a = plain.loader(), b = masked.loader();
  plain_runner.fit(*a, nullptr);
  masked_runner.fit(*b, nullptr);
  // With every input zero the weight gets no gradient: only the bias moves.
  const auto weight = [](LinearProblem& p) { return p.models.only().named_parameters()["fc1.weight"].item<double>(); };
  LinearProblem fresh(32, 8);
  EXPECT_EQ(weight(masked), weight(fresh));
  EXPECT_NE(weight(plain), weight(fresh));
}

TEST(HookPoints, ABatchTransformToTheWrongShapeNamesTheHookAtTheFirstStep) {
  for (const auto& [mode, message] : std::vector<std::pair<std::string, std::string>>{
           {"widen",
            "hook 'mask' transformed the batch's inputs from Float [8, 1] to Float [8, 2], which the models do "
            "not take: model 'model': layer 'fc1' (Linear) expects [N, 1], gets Float [N, 2]"},
           {"drop",
            "hook 'mask' transformed the batch's inputs from Float [8, 1] to Float [1, 1] and its targets to "
            "Float [8, 1]: both must keep the batch's 8 examples"}}) {
    LinearProblem problem(32, 8);
    Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(1));
    runner.add_hook(std::make_shared<MaskInputs>(mode));
    auto train = problem.loader();
    try {
      runner.fit(*train, nullptr);
      ADD_FAILURE() << mode << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).substr(0, message.size()), message) << e.what();
    }
    EXPECT_EQ(runner.state().global_step, 0) << mode;  // caught before the first step
  }
}

TEST(HookPoints, AnOutputTransformIsWhatTheLossAndMetricsSeeUntilTheRunnerGoes) {
  LinearProblem problem(32, 8);
  auto clamp = std::make_shared<ClampOutputs>();
  auto test = problem.loader(false, 32);
  {
    Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(1));
    runner.add_hook(clamp);
    const auto result = runner.evaluate(*test, "test");
    // Targets 2x - 1 over [-1, 1] against predictions held in [0.25, 0.5]: by hand,
    // mean((y - clamp(pred))^2) with the clamp active.
    const auto x = problem.data.inputs;
    const auto expected = torch::mse_loss(problem.models.only().forward(x).clamp(0.25, 0.5), problem.data.targets);
    EXPECT_NEAR(result.metrics.at("loss"), expected.item<double>(), 1e-6);
    EXPECT_EQ(clamp->models.front(), "model");
  }
  const auto calls = clamp->models.size();
  problem.models.forward(problem.data.inputs);  // the runner is gone: so is the transform
  EXPECT_EQ(clamp->models.size(), calls);
}

TEST(HookConfig, BuiltinHooksAndUserHooksFromTheirOwnSections) {
  const std::string base =
      "seed: 3\ndataset: {name: idx, path: /nonexistent}\nmodel: {name: lenet5}\nloss: {name: cross_entropy}\n"
      "optimizer: {name: sgd, lr: 0.1}\n";
  Experiment defaults(Config::parse(base, "a.yaml"));
  EXPECT_EQ(defaults.builtin_hooks(), kBuiltinHooks);
  const auto resolved = defaults.config().dump();  // the defaults are on record
  EXPECT_NE(resolved.find("builtin_hooks"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("validation_schedule"), std::string::npos) << resolved;
  Experiment chosen(Config::parse(base + "runner:\n  builtin_hooks: [timing, checkpoint]\n  hooks:\n"
                                         "    - {name: early_stopping, patience: 2, when: {every_epochs: 2}}\n",
                                  "b.yaml"));
  EXPECT_TRUE(chosen.has_builtin_hook("checkpoint"));
  EXPECT_FALSE(chosen.has_builtin_hook("progress"));
  ASSERT_EQ(chosen.user_hooks().size(), 1u);
  EXPECT_EQ(chosen.user_hooks()[0]->name(), "early_stopping");
  const auto error = [&](const std::string& runner) {
    try {
      Experiment bad(Config::parse(base + "runner:\n" + runner, "c.yaml"));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("  hooks: [{name: early_stopping}, {name: early_stopping}]\n")
                .find("'runner.hooks[1].name': a second hook named 'early_stopping'"),
            std::string::npos);
  EXPECT_NE(error("  hooks: [{name: early_stopping, patience: 0}]\n").find("'runner.hooks[0].patience'"),
            std::string::npos);
  EXPECT_NE(error("  hooks: [{name: early_stopping, when: {every_step: 2}}]\n").find("runner.hooks[0].when.every_step"),
            std::string::npos);
  EXPECT_NE(
      error("  builtin_hooks: [timing, sample_grid]\n").find("'runner.builtin_hooks': no built-in hook 'sample_grid'"),
      std::string::npos);
}

}  // namespace modlr::testing

namespace modlr::testing {
namespace {

class EvaluationSteps : public Hook {
 public:
  std::string name() const override { return "evaluation_steps"; }
  std::vector<Event> events() const override { return {Event::evaluation_end}; }
  void on(Event, const RunState& state, Control&) override { steps.push_back(state.evaluation_step); }
  std::vector<int64_t> steps;
};

}  // namespace

// 4 steps an epoch: validations after steps 3 and 6 inside epochs, and at both epoch ends
// (step 8's is the epoch's own); training itself is untouched by them, bit for bit.
TEST(ValidationEverySteps, ValidatesInsideEpochsWithoutChangingTraining) {
  LinearProblem with(32, 8), without(32, 8);
  Runner runner(with.models, *with.loss, with.optimizers, with.options(2));
  Runner plain(without.models, *without.loss, without.optimizers, without.options(2));
  auto steps = std::make_shared<EvaluationSteps>();
  runner.add_hook(std::make_shared<ValidationScheduleHook>(1, 3));
  runner.add_hook(steps);
  plain.add_hook(std::make_shared<ValidationScheduleHook>(1));
  auto a = with.loader(), b = without.loader(), va = with.loader(false), vb = without.loader(false);
  runner.fit(*a, va.get());
  plain.fit(*b, vb.get());
  EXPECT_EQ(steps->steps, (std::vector<int64_t>{3, 0, 6, 0}));
  EXPECT_TRUE(torch::equal(with.models.only().parameters()[0], without.models.only().parameters()[0]));
  EXPECT_TRUE(with.models.only().is_training() == without.models.only().is_training());
}

// runner.validations_per_epoch: 3 per epoch of 4 batches are after batches ceil(4/3) = 2,
// ceil(8/3) = 3 and the epoch's end, in both epochs.
TEST(ValidationsPerEpoch, AreEvenlySpacedInsideEachEpoch) {
  LinearProblem problem(32, 8);
  Runner runner(problem.models, *problem.loss, problem.optimizers, problem.options(2));
  auto steps = std::make_shared<EvaluationSteps>();
  runner.add_hook(std::make_shared<ValidationScheduleHook>(1, 0, 3));
  runner.add_hook(steps);
  auto train = problem.loader(), validation = problem.loader(false);
  runner.fit(*train, validation.get());
  EXPECT_EQ(steps->steps, (std::vector<int64_t>{2, 3, 0, 6, 7, 0}));
}

}  // namespace modlr::testing
