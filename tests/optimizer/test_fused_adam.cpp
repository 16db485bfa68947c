// Fast mode's fused Adam/AdamW against libtorch's: same trajectory to float rounding, the
// same per-parameter state (so checkpoints carry over), and libtorch's step for AMSGrad.
#include <gtest/gtest.h>

#include "modlr/optimizer/optimizer.h"

using modlr::Config;

namespace {

// Runs `steps` steps of the optimizer in `yaml` (fast or not) on a small least-squares
// problem and returns the final parameters.
std::vector<torch::Tensor> train(const std::string& yaml, bool fast, int steps) {
  torch::manual_seed(3);
  auto w = torch::randn({5, 4}, torch::requires_grad());
  auto b = torch::randn({5}, torch::requires_grad());
  const auto x = torch::randn({16, 4});
  const auto y = torch::randn({16, 5});
  auto optimizer = modlr::build_optimizer(Config::parse(yaml, "opt.yaml"), {w, b}, 1, "model", "loss", fast);
  for (int i = 0; i < steps; ++i) {
    optimizer->zero_grad();
    (torch::addmm(b, x, w.t()) - y).pow(2).mean().backward();
    optimizer->step();
  }
  return {w.detach(), b.detach()};
}

void expect_close(const std::string& yaml) {
  const auto reference = train(yaml, false, 50);
  const auto fused = train(yaml, true, 50);
  for (size_t i = 0; i < reference.size(); ++i)
    EXPECT_TRUE(torch::allclose(fused[i], reference[i], 1e-5, 1e-6))
        << yaml << ": max diff " << (fused[i] - reference[i]).abs().max().item<float>();
}

}  // namespace

TEST(FusedAdam, FollowsLibtorchAdam) { expect_close("name: adam\nlr: 0.01"); }

TEST(FusedAdam, FollowsLibtorchAdamWithWeightDecay) {
  expect_close("name: adam\nlr: 0.01\nweight_decay: 0.05\nbetas: [0.8, 0.99]\neps: 1e-6");
}

TEST(FusedAdam, FollowsLibtorchAdamW) { expect_close("name: adamw\nlr: 0.01\nweight_decay: 0.1"); }

TEST(FusedAdam, FirstStepByHand) {
  // m/sqrt(v) after bias correction is g/|g| = 1: w = 1 - lr * 2 / (2 + eps).
  auto w = torch::ones({1}, torch::requires_grad());
  auto optimizer =
      modlr::build_optimizer(Config::parse("name: adam\nlr: 0.01", "opt.yaml"), {w}, 1, "model", "loss", /*fast=*/true);
  (w * w).sum().backward();
  optimizer->step();
  EXPECT_NEAR(w.item<double>(), 1 - 0.01 * 2 / (2 + 1e-8), 1e-7);
}

TEST(FusedAdam, KeepsLibtorchStateSoCheckpointsCarryOver) {
  auto w = torch::ones({3}, torch::requires_grad());
  auto optimizer =
      modlr::build_optimizer(Config::parse("name: adam", "opt.yaml"), {w}, 1, "model", "loss", /*fast=*/true);
  for (int i = 0; i < 2; ++i) {
    optimizer->zero_grad();
    (w * w).sum().backward();
    optimizer->step();
  }
  ASSERT_EQ(optimizer->impl().state().size(), 1u);
  const auto& state = static_cast<torch::optim::AdamParamState&>(*optimizer->impl().state().begin()->second);
  EXPECT_EQ(state.step(), 2);
  EXPECT_EQ(state.exp_avg().sizes(), w.sizes());
  // Moments by hand: g1 = 2, g2 = 2 * w1 with w1 = 1 - 0.001 * 2 / (2 + 1e-8).
  const double w1 = 1 - 0.001 * 2 / (2 + 1e-8), g2 = 2 * w1;
  EXPECT_NEAR(state.exp_avg()[0].item<double>(), 0.9 * 0.1 * 2 + 0.1 * g2, 1e-6);
  EXPECT_NEAR(state.exp_avg_sq()[0].item<double>(), 0.999 * 0.001 * 4 + 0.001 * g2 * g2, 1e-7);
}

TEST(FusedAdam, AmsgradTakesStrictModesStep) {
  expect_close("name: adam\nlr: 0.01\namsgrad: true");
  const auto reference = train("name: adam\nlr: 0.01\namsgrad: true", false, 10);
  const auto fused = train("name: adam\nlr: 0.01\namsgrad: true", true, 10);
  EXPECT_TRUE(torch::equal(fused[0], reference[0]));
}

TEST(FastOptimizer, ZeroGradDropsGradientsInsteadOfZeroingThem) {
  for (const bool fast : {false, true}) {
    auto w = torch::ones({3}, torch::requires_grad());
    auto optimizer =
        modlr::build_optimizer(Config::parse("name: sgd\nlr: 0.1", "opt.yaml"), {w}, 1, "model", "loss", fast);
    (w * w).sum().backward();
    optimizer->zero_grad();
    EXPECT_EQ(w.grad().defined(), !fast);
    (w * w).sum().backward();  // the next gradient is stored, not added: the same values
    EXPECT_TRUE(torch::equal(w.grad(), torch::full({3}, 2.0f)));
    optimizer->step();
    EXPECT_TRUE(torch::allclose(w.detach(), torch::full({3}, 0.8f)));
  }
}
