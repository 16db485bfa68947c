// runner.max_steps and runner.accumulate_steps end to end (the arithmetic is pinned against
// the PyTorch twin in tests/reference/test_parity.cpp): where a step limit ends a run, what a
// resume of it does, and that a run killed inside an accumulation group resumes bit for bit.
#include <filesystem>

#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

// The run killed after step `step` with `features`, then resumed to its end: its directory
// ("" when it could not be found or the resume failed, each a test failure too).
class KillTest : public CliTest {
 protected:
  std::string killed_and_resumed(int step, const std::string& features) {
    const auto killed = mt::run_command("MODLR_TEST_FAULT=batch_end:" + std::to_string(step) +
                                        ":KILL " MODLR_BINARY " train " + config + features);
    EXPECT_NE(killed.exit_code, 0);
    std::string broken;
    for (const auto& dir : runs())
      if (!mt::exists(dir + "/model.safetensors")) broken = dir;
    if (broken.empty()) return "";
    const auto resumed = train(features + " --resume " + broken);
    EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
    return resumed.exit_code == 0 ? broken : "";
  }
};

// The synthetic set has 600 training images in batches of 32: 19 batches an epoch, so 25
// steps end in epoch 2, after its 6th batch; that epoch is the run's last.
TEST_F(CliTest, MaxStepsEndsTheRunInTheEpochItFallsIn) {
  const auto result = train("--set runner.epochs=5 --set runner.max_steps=25");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("epoch 2/2"), std::string::npos) << result.out;
  const auto dir = runs().front();
  const auto summary = summary_of(dir);
  EXPECT_EQ(summary["status"], "finished");
  EXPECT_EQ(summary["train"]["epochs"], 2);
  EXPECT_FALSE(summary["train"].contains("stopped_early"));
  EXPECT_TRUE(summary["test"].contains("accuracy"));
  const auto metrics = mt::read_text(dir + "/metrics.csv");
  EXPECT_NE(metrics.find("\n2,train,loss,"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("\n3,train"), std::string::npos) << metrics;
  EXPECT_TRUE(mt::exists(dir + "/checkpoints/epoch-0002.pt"));
  // Resuming the finished run trains nothing more.
  const auto resumed = train("--set runner.epochs=5 --set runner.max_steps=25 --resume " + dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(mt::read_text(dir + "/metrics.csv"), metrics);
}

// Killed after step 8, the last checkpoint (step 6) inside a group of 4: its gradients and
// the weight averages are in the checkpoint, and the resumed run ends as the uninterrupted one.
TEST_F(KillTest, ARunKilledInsideAnAccumulationGroupResumesBitwise) {
  const std::string features =
      " --set runner.accumulate_steps=4 --set runner.ema_decay=0.9 --set tracking.checkpoint_steps=3";
  ASSERT_EQ(train(features).exit_code, 0);
  const auto uninterrupted = mt::read_text(runs().front() + "/model.safetensors");
  const auto broken = killed_and_resumed(8, features);
  ASSERT_FALSE(broken.empty());
  EXPECT_EQ(mt::read_text(broken + "/model.safetensors"), uninterrupted);
  // Accumulation and averaging change the run: they are not the plain run.
  ASSERT_EQ(train().exit_code, 0);
  EXPECT_NE(mt::read_text(runs().back() + "/model.safetensors"), uninterrupted);
}

TEST_F(CliTest, AccumulationNeedsOneOptimizer) {
  const auto gan =
      mt::run_modlr("train " MODLR_SOURCE_DIR "/configs/gan-fashion-mnist.yaml --set dataset.path=" + data_dir +
                    " --set tracking.dir=" + runs_dir + " --set runner.accumulate_steps=2");
  EXPECT_NE(gan.exit_code, 0);
  EXPECT_NE(gan.err.find("'runner.accumulate_steps': needs a single optimizer"), std::string::npos) << gan.err;
  const auto zero = train("--set runner.accumulate_steps=0");
  EXPECT_NE(zero.exit_code, 0);
  EXPECT_NE(zero.err.find("runner.accumulate_steps"), std::string::npos) << zero.err;
}

}  // namespace

namespace {

// 480 training images in batches of 32: 15 steps an epoch. Validations after every 4th
// step go to step_metrics.csv; a run killed after step 10 resumes from its step-8
// checkpoint (taken after step 8's validation) and ends with the same records.
TEST_F(KillTest, ValidationEveryNStepsIsRecordedAndResumesExactly) {
  const std::string features =
      " --set runner.epochs=2 --set dataset.validation=0.2 --set runner.validate_every_steps=4"
      " --set tracking.checkpoint_steps=4";
  const auto uninterrupted = train(features);
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
  EXPECT_NE(uninterrupted.out.find("  validation at step 4  "), std::string::npos) << uninterrupted.out;
  const auto first = runs().front();
  const auto steps = mt::read_text(first + "/step_metrics.csv");
  EXPECT_EQ(steps.rfind("step,epoch,split,metric,value\n4,1,validation,", 0), 0u) << steps;
  for (const char* row : {"\n4,1,validation,loss,", "\n8,1,validation,accuracy,", "\n12,1,validation,",
                          "\n16,2,validation,", "\n28,2,validation,"})
    EXPECT_NE(steps.find(row), std::string::npos) << row << "\n" << steps;
  EXPECT_EQ(steps.find("\n30,"), std::string::npos) << steps;  // not a multiple of 4
  const auto broken = killed_and_resumed(10, features);
  ASSERT_FALSE(broken.empty());
  EXPECT_EQ(mt::read_text(broken + "/step_metrics.csv"), steps);
  EXPECT_EQ(mt::read_text(broken + "/metrics.csv"), mt::read_text(first + "/metrics.csv"));
  EXPECT_EQ(mt::read_text(broken + "/model.safetensors"), mt::read_text(first + "/model.safetensors"));
}

}  // namespace
