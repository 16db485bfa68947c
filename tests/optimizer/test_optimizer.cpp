#include <gtest/gtest.h>

#include <cmath>

#include "modlr/optimizer/optimizer.h"

using modlr::Config;

namespace {

// One scalar parameter w = 1 and loss w^2 (gradient 2w).
struct Quadratic {
  torch::Tensor w = torch::ones({1}, torch::requires_grad());
  std::unique_ptr<modlr::Optimizer> optimizer;
  explicit Quadratic(const std::string& yaml, int64_t epochs = 1) {
    optimizer = modlr::build_optimizer(Config::parse(yaml, "opt.yaml"), {w}, epochs, "model", "loss");
  }
  double step() {
    optimizer->zero_grad();
    (w * w).sum().backward();
    optimizer->step();
    return w.item<double>();
  }
};

}  // namespace

TEST(Sgd, PlainStepByHand) {
  Quadratic q("name: sgd\nlr: 0.1");
  EXPECT_NEAR(q.step(), 0.8, 1e-7);   // 1 - 0.1 * 2
  EXPECT_NEAR(q.step(), 0.64, 1e-7);  // 0.8 - 0.1 * 1.6
}

TEST(Sgd, MomentumAndNesterovByHand) {
  // momentum 0.9: v1 = 2, w1 = 1 - 0.2 = 0.8; v2 = 0.9*2 + 1.6 = 3.4, w2 = 0.8 - 0.34 = 0.46.
  Quadratic m("name: sgd\nlr: 0.1\nmomentum: 0.9");
  EXPECT_NEAR(m.step(), 0.8, 1e-6);
  EXPECT_NEAR(m.step(), 0.46, 1e-6);
  // nesterov: v1 = 2, update g + 0.9 v1 = 3.8, w1 = 1 - 0.38 = 0.62.
  Quadratic n("name: sgd\nlr: 0.1\nmomentum: 0.9\nnesterov: true");
  EXPECT_NEAR(n.step(), 0.62, 1e-6);
}

TEST(Sgd, WeightDecayByHand) {
  // gradient 2 + 0.5 * 1 = 2.5; w = 1 - 0.1 * 2.5 = 0.75.
  Quadratic q("name: sgd\nlr: 0.1\nweight_decay: 0.5");
  EXPECT_NEAR(q.step(), 0.75, 1e-7);
}

TEST(Adam, FirstStepMovesByLr) {
  // Bias-corrected m/sqrt(v) = g/|g| = 1 on the first step: w = 1 - lr * 2/(2 + eps).
  Quadratic q("name: adam\nlr: 0.01");
  EXPECT_NEAR(q.step(), 1 - 0.01 * 2 / (2 + 1e-8), 1e-7);
}

TEST(AdamW, DecoupledWeightDecay) {
  // AdamW decays first: w = 1 * (1 - lr * wd) = 1 - 0.01 * 0.1, then the Adam step of lr.
  Quadratic q("name: adamw\nlr: 0.01\nweight_decay: 0.1");
  EXPECT_NEAR(q.step(), 1 - 0.001 - 0.01, 1e-6);
}

TEST(Schedules, StepAndCosineByHand) {
  Quadratic step("name: sgd\nlr: 1.0\nschedule: {name: step, step_size: 2, gamma: 0.5}");
  const std::vector<double> expected_step = {1.0, 1.0, 0.5, 0.5, 0.25};
  for (int64_t e = 0; e < 5; ++e) {
    step.optimizer->start_epoch(e);
    EXPECT_DOUBLE_EQ(step.optimizer->lr(), expected_step[e]) << e;
  }
  Quadratic cosine("name: sgd\nlr: 1.0\nschedule: {name: cosine, eta_min: 0.0}", /*epochs=*/4);
  const std::vector<double> expected_cosine = {1.0, (1 + std::sqrt(0.5)) / 2, 0.5, (1 - std::sqrt(0.5)) / 2, 0.0, 0.0};
  for (int64_t e = 0; e < 6; ++e) {
    cosine.optimizer->start_epoch(e);
    EXPECT_NEAR(cosine.optimizer->lr(), expected_cosine[e], 1e-12) << e;
  }
}

// lr = schedule * (start + (1 - start) * t / warmup) while t < warmup: with start 0.2 over 4
// batches 0.2, 0.4, 0.6, 0.8 of the schedule's rate, then all of it.
TEST(Schedules, WarmupPerStepByHand) {
  Quadratic q("name: sgd\nlr: 0.5\nschedule: {name: step, step_size: 1, gamma: 0.5, warmup: 4, warmup_start: 0.2}");
  q.optimizer->start_epoch(0);
  const std::vector<double> factor = {0.2, 0.4, 0.6, 0.8, 1.0, 1.0};
  for (int64_t t = 0; t < 6; ++t) {
    q.optimizer->start_step(t);
    EXPECT_NEAR(q.optimizer->lr(), 0.5 * factor[t], 1e-15) << t;
  }
  q.optimizer->start_epoch(1);  // the step schedule halves it; the warm-up is over
  q.optimizer->start_step(6);
  EXPECT_DOUBLE_EQ(q.optimizer->lr(), 0.25);
}

// Counted in epochs (from the default start 0.1): epoch 0 at 0.1, epoch 1 at 0.55, then 1.
TEST(Schedules, WarmupPerEpochByHand) {
  Quadratic q("name: sgd\nlr: 1.0\nschedule: {warmup: 2, warmup_unit: epoch}");
  const std::vector<double> expected = {0.1, 0.55, 1.0};
  for (int64_t e = 0; e < 3; ++e) {
    q.optimizer->start_epoch(e);
    q.optimizer->start_step(100 * e);  // per-epoch: batches change nothing
    EXPECT_NEAR(q.optimizer->lr(), expected[e], 1e-15) << e;
  }
}

TEST(Clipping, GlobalNormIsClipped) {
  // Gradients (3, 4) have norm 5; clipped to norm 1 they are (0.6, 0.8): w = 1 - (0.6, 0.8).
  auto w = torch::ones({2}, torch::requires_grad());
  auto optimizer =
      modlr::build_optimizer(Config::parse("name: sgd\nlr: 1.0\nclip_grad_norm: 1.0", "o"), {w}, 1, "model", "loss");
  optimizer->zero_grad();
  (w * torch::tensor({3.0f, 4.0f})).sum().backward();
  optimizer->step();
  EXPECT_NEAR(w[0].item<double>(), 0.4, 1e-6);
  EXPECT_NEAR(w[1].item<double>(), 0.2, 1e-6);
}

TEST(OptimizerConfig, ErrorsNameTheKey) {
  auto expect_error = [](const std::string& yaml, const std::string& needle) {
    auto w = torch::ones({1}, torch::requires_grad());
    try {
      modlr::build_optimizer(Config::parse(yaml, "o.yaml"), {w}, 1, "model", "loss");
      FAIL() << yaml;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("name: sgd\nlr: -1", "lr");
  expect_error("name: sgd\nlr: 0.1\nnesterov: true", "nesterov");
  expect_error("name: adam\nbetas: [0.9]", "betas");
  expect_error("name: rmsprop", "unknown optimizer 'rmsprop'");
  expect_error("name: sgd\nschedule: {name: warmup}", "unknown schedule 'warmup'");
  expect_error("name: sgd\nschedule: {warmup: 3, warmup_start: 2}", "'schedule.warmup_start': is a factor");
  expect_error("name: sgd\nschedule: {warmup: 3, warmup_unit: batch}", "warmup_unit");
}
