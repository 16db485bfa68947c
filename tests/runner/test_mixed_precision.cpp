// Mixed precision's pieces on their own: the autocast scope (low-precision matmuls inside,
// float32 outside, settings restored) and the fp16 loss scaler against the rules of
// torch.amp.GradScaler (halve on overflow and skip, double after 2000 clean steps, state
// saved and restored). The whole path against the PyTorch twin is tests/reference.
#include <gtest/gtest.h>

#include <ATen/autocast_mode.h>

#include "modlr/runner/mixed_precision.h"

using modlr::AutocastScope;
using modlr::GradScaler;
using modlr::Precision;

TEST(Autocast, LowPrecisionInsideFloat32OutsideAndNested) {
  const auto a = torch::randn({4, 3}), b = torch::randn({3, 2});
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
  {
    AutocastScope outer(torch::kCPU, Precision::bf16);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
    {
      AutocastScope inner(torch::kCPU, Precision::fp16);
      EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kHalf);
    }
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);  // the outer setting is back
    AutocastScope none(torch::kCPU, Precision::fp32);            // fp32 changes nothing
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
}

TEST(GradScaler, OverflowSkipsAndHalvesCleanStepsGrow) {
  GradScaler scaler(torch::kCPU);
  EXPECT_EQ(scaler.current_scale(), 65536.0);
  auto w = torch::ones({3}, torch::requires_grad());
  scaler.scale((w * 2).sum()).backward();
  EXPECT_TRUE(scaler.unscale({w}));
  EXPECT_TRUE(torch::equal(w.grad(), torch::full({3}, 2.0f)));  // unscaled back to the true gradient
  scaler.update();
  EXPECT_EQ(scaler.current_scale(), 65536.0);
  w.mutable_grad() = torch::tensor({1.0f, INFINITY, 0.0f});
  EXPECT_FALSE(scaler.unscale({w}));
  scaler.update();
  EXPECT_EQ(scaler.current_scale(), 32768.0);
  for (int step = 0; step < 2000; ++step) {
    w.mutable_grad() = torch::ones({3});
    ASSERT_TRUE(scaler.unscale({w}));
    scaler.update();
  }
  EXPECT_EQ(scaler.current_scale(), 65536.0);
}

TEST(GradScaler, StateRoundTripsThroughACheckpoint) {
  GradScaler scaler(torch::kCPU);
  auto w = torch::ones({2}, torch::requires_grad());
  w.mutable_grad() = torch::tensor({NAN, 1.0f});
  scaler.unscale({w});
  scaler.update();
  for (int step = 0; step < 7; ++step) {
    w.mutable_grad() = torch::ones({2});
    scaler.unscale({w});
    scaler.update();
  }
  GradScaler restored(torch::kCPU);
  restored.restore(scaler.state());
  EXPECT_EQ(restored.current_scale(), 32768.0);
  // Same growth counter: both double after the same number of further clean steps.
  for (int step = 0; step < 1993; ++step) {
    for (auto* s : {&scaler, &restored}) {
      w.mutable_grad() = torch::ones({2});
      s->unscale({w});
      s->update();
    }
  }
  EXPECT_EQ(scaler.current_scale(), 65536.0);
  EXPECT_EQ(restored.current_scale(), 65536.0);
}
