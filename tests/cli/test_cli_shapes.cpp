// Shapes before data, end to end: `modlr train` stops at a model that does not fit its
// data before reading the data, and `modlr summary` shows shapes without reading it.
#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

TEST_F(CliTest, AModelThatDoesNotFitTheDataFailsBeforeTheFirstStep) {
  const auto result = train("--set model.name=cnn_cifar");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("modlr: error: model 'model': layer 'conv1' (Conv2d) expects [N, 3, H, W], gets Float "
                            "[N, 1, 28, 28] (one example from the data set: Float [1, 28, 28])"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.out.find("epoch 1"), std::string::npos) << result.out;
  EXPECT_EQ(summary_of(runs().front())["status"], "failed");
}

// CIFAR-10's example shape is the format's; no file is opened before the check.
TEST(ShapeCheckCli, TheCheckComesBeforeAnyDataIsRead) {
  mt::TempDir runs;
  const auto result = mt::run_modlr("train " MODLR_SOURCE_DIR
                                    "/configs/lenet5-fashion-mnist.yaml --set dataset.name=cifar10 "
                                    "--set dataset.mean=[0.5,0.5,0.5] --set dataset.std=[0.5,0.5,0.5] "
                                    "--set dataset.path=/nonexistent --set tracking.dir=" +
                                    runs.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("layer 'conv1' (Conv2d) expects [N, 1, H, W], gets Float [N, 3, 32, 32]"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("/nonexistent"), std::string::npos) << result.err;
}

TEST(ShapeCheckCli, SummaryNeedsNoDataWhereTheSourceDeclaresItsShape) {
  const auto result = mt::run_modlr("summary " MODLR_SOURCE_DIR
                                    "/configs/vgg16-cifar10.yaml --set dataset.path=/nonexistent"
                                    " --set dataset.batch_size=4");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("input [4, 3, 32, 32]"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("total parameters: 14728266"), std::string::npos) << result.out;
}

}  // namespace

namespace {

// runner.builtin_hooks: without `progress` a run prints no epoch lines; without `timing`
// its record has no seconds; the rest of the record is as before.
TEST_F(CliTest, BuiltinHooksCanBeLeftOut) {
  const auto quiet = train(
      "--set runner.epochs=1 --set \"runner.builtin_hooks=[validation_schedule, tracking, interrupt, checkpoint]\"");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out.find("epoch 1/1"), std::string::npos) << quiet.out;
  const auto summary = summary_of(runs().front());
  EXPECT_EQ(summary["status"], "finished");
  EXPECT_TRUE(summary["train"]["seconds"].is_null()) << summary.dump();
  EXPECT_TRUE(summary["test"].contains("accuracy"));
  EXPECT_NE(mt::read_text(runs().front() + "/metrics.csv").find("\n1,train,loss,"), std::string::npos);
}

}  // namespace
