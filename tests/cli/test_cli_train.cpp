#include <torch/cuda.h>

#include "cli_fixture.h"
#include "modlr/model/model.h"
#include "modlr/tracking/checkpoint.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

TEST_F(CliTest, TrainWritesTheRunRecord) {
  const auto result = train();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("epoch 1/2"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("epoch 2/2"), std::string::npos);
  ASSERT_EQ(runs().size(), 1u);
  const auto dir = runs().front();
  auto files = mt::list_files(dir);
  // One TensorBoard event file, named by time, host and process (tracking/tensorboard_writer.h).
  ASSERT_EQ(files.back().rfind("tensorboard/events.out.tfevents.", 0), 0u) << files.back();
  files.pop_back();
  EXPECT_EQ(files, (std::vector<std::string>{"checkpoints/epoch-0001.pt", "checkpoints/epoch-0001.pt.sha256",
                                             "checkpoints/epoch-0002.pt", "checkpoints/epoch-0002.pt.sha256",
                                             "checkpoints/latest", "config.yaml", "metrics.csv", "model.safetensors",
                                             "summary.json"}));
  EXPECT_EQ(mt::read_text(dir + "/checkpoints/latest"), "epoch-0002.pt\n");
  const auto s = summary_of(dir);
  EXPECT_EQ(s["status"], "finished");
  EXPECT_EQ(s["experiment"], "small");
  EXPECT_EQ(s["seed"], 7);
  EXPECT_EQ(s["train"]["epochs"], 2);
  EXPECT_GT(s["train"]["seconds"].get<double>(), 0.0);
  EXPECT_GT(s["test"]["seconds"].get<double>(), 0.0);
  EXPECT_GT(s["test"]["accuracy"].get<double>(), 0.9);  // the synthetic classes are easy
  for (const char* key : {"loss", "f1_macro", "auc_roc", "precision_macro", "recall_macro"})
    EXPECT_TRUE(s["test"].contains(key)) << key;
  EXPECT_EQ(s["environment"]["threads"], 1);
  EXPECT_EQ(s["checkpoints"].back(), "model.safetensors");
  EXPECT_EQ(s["data"].size(), 4u);
  EXPECT_EQ(s["data"][data_dir + "/train-images-idx3-ubyte.gz"].get<std::string>().size(), 64u);
  // The resolved config holds the defaults too, and is itself a valid config.
  const auto resolved = mt::read_text(dir + "/config.yaml");
  EXPECT_NE(resolved.find("prefetch: 0"), std::string::npos) << resolved;
  const auto metrics = mt::read_text(dir + "/metrics.csv");
  EXPECT_NE(metrics.find("2,train,loss,"), std::string::npos);
  EXPECT_NE(metrics.find("2,test,accuracy,"), std::string::npos);
}

TEST_F(CliTest, SameConfigSeedAndThreadsIsBitwiseReproducible) {
  ASSERT_EQ(train().exit_code, 0);
  ASSERT_EQ(train().exit_code, 0);
  ASSERT_EQ(train("--set seed=8").exit_code, 0);
  const auto dirs = runs();
  ASSERT_EQ(dirs.size(), 3u);
  auto by_seed = [&](int seed) {
    std::vector<std::string> out;
    for (const auto& d : dirs)
      if (summary_of(d)["seed"] == seed) out.push_back(d);
    return out;
  };
  const auto same = by_seed(7), other = by_seed(8);
  ASSERT_EQ(same.size(), 2u);
  EXPECT_EQ(mt::read_text(same[0] + "/metrics.csv"), mt::read_text(same[1] + "/metrics.csv"));
  EXPECT_NE(mt::read_text(same[0] + "/metrics.csv"), mt::read_text(other[0] + "/metrics.csv"));
  auto weights = [](const std::string& dir) {
    modlr::ModelSet models;
    models.add("model", modlr::build_model(modlr::Config::parse("name: lenet5", "m")));
    modlr::load_checkpoint(models, dir + "/checkpoints/epoch-0002.pt");
    return models.only().parameters();
  };
  const auto a = weights(same[0]), b = weights(same[1]);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
}

// Read per batch (dataset.cache: none), the images at their offsets in the files (the gzipped
// one unpacked once into unpack_dir), the run is the in-memory run bit for bit.
TEST_F(CliTest, ImagesReadPerBatchTrainTheSameRun) {
  ASSERT_EQ(train("--set runner.epochs=1").exit_code, 0);
  const auto lazy =
      train("--set runner.epochs=1 --set dataset.cache=none --set dataset.unpack_dir=" + work.file("unpacked"));
  ASSERT_EQ(lazy.exit_code, 0) << lazy.err;
  const auto dirs = runs();
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(mt::read_text(dirs[0] + "/model.safetensors"), mt::read_text(dirs[1] + "/model.safetensors"));
  EXPECT_EQ(mt::read_text(dirs[0] + "/metrics.csv"), mt::read_text(dirs[1] + "/metrics.csv"));
  EXPECT_EQ(mt::list_files(work.file("unpacked")).size(), 1u);
}

TEST_F(CliTest, OverridesReachTheRun) {
  const auto result = train("--set runner.epochs=1 --set dataset.limit=100 --set experiment=renamed");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto dirs = runs("renamed");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(summary_of(dirs[0])["train"]["epochs"], 1);
  EXPECT_NE(mt::read_text(dirs[0] + "/config.yaml").find("limit: 100"), std::string::npos);
}

TEST_F(CliTest, EvalReproducesTheTestMetricsOfTheRun) {
  ASSERT_EQ(train().exit_code, 0);
  const auto dir = runs().front();
  const auto result = mt::run_modlr("eval " + config + " --checkpoint " + dir + "/checkpoints/epoch-0002.pt");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ostringstream accuracy;
  accuracy << "accuracy          " << std::setprecision(6) << summary_of(dir)["test"]["accuracy"].get<double>();
  EXPECT_NE(result.out.find(accuracy.str()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("confusion matrix"), std::string::npos);
  EXPECT_NE(result.out.find("on cpu: batch loading "), std::string::npos) << result.out;
  // --device is runner.device for the evaluation: cpu here; cuda without a GPU names the key.
  EXPECT_EQ(mt::run_modlr("eval " + config + " --device cpu --checkpoint " + dir + "/model.safetensors").exit_code, 0);
  const auto summary = summary_of(dir);
  EXPECT_GT(summary["test"]["compute_seconds"].get<double>(), 0.0);
  EXPECT_LE(summary["test"]["load_seconds"].get<double>() + summary["test"]["compute_seconds"].get<double>(),
            summary["test"]["seconds"].get<double>());
  if (!torch::cuda::is_available()) {
    const auto on_cuda = mt::run_modlr("eval " + config + " --device cuda --checkpoint " + dir + "/model.safetensors");
    EXPECT_NE(on_cuda.err.find("runner.device"), std::string::npos) << on_cuda.err;
  }
}

TEST_F(CliTest, EvalRefusesACheckpointOfAnotherArchitecture) {
  ASSERT_EQ(train("--set runner.epochs=1 --set model.name=lenet1").exit_code, 0);
  const auto checkpoint = runs().front() + "/checkpoints/epoch-0001.pt";
  const auto result = mt::run_modlr("eval " + config + " --checkpoint " + checkpoint);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(checkpoint), std::string::npos) << result.err;
}

TEST_F(CliTest, SummaryPrintsLayerShapesAndTotals) {
  const auto result = mt::run_modlr("summary " + config);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* needle :
       {"conv1", "Conv2d", "[32, 6, 28, 28]", "[32, 16, 5, 5]", "fc3", "[32, 10]", "total parameters: 61706"})
    EXPECT_NE(result.out.find(needle), std::string::npos) << needle << "\n" << result.out;
  EXPECT_TRUE(runs().empty());  // a dry run records nothing
}

TEST_F(CliTest, HelpForEveryCommand) {
  const auto top = mt::run_modlr("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command : {"train", "eval", "summary"}) EXPECT_NE(top.out.find(command), std::string::npos);
  for (const std::string command : {"train", "eval", "summary"}) {
    const auto result = mt::run_modlr(command + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("--set"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("config"), std::string::npos) << result.out;
  }
  EXPECT_NE(mt::run_modlr("eval --help").out.find("--checkpoint"), std::string::npos);
  EXPECT_NE(mt::run_modlr("frobnicate").exit_code, 0);
}

TEST_F(CliTest, LeNet5LearnsRealFashionMnist) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!mt::exists(dir + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const auto result =
      train("--set dataset.path=" + dir +
            " --set dataset.limit=6000 --set runner.epochs=1 "
            "--set dataset.mean=[0.2860] --set dataset.std=[0.3530] --set dataset.eval_batch_size=1000");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto s = summary_of(runs().front());
  EXPECT_EQ(s["data"].size(), 4u);
  EXPECT_GT(s["test"]["accuracy"].get<double>(), 0.65);  // 188 SGD steps (momentum 0.9) from scratch
}

TEST_F(CliTest, FastModeIsLabelledReproducibleAndCloseToStrict) {
  ASSERT_EQ(train().exit_code, 0);
  ASSERT_EQ(train("--set runner.mode=fast").exit_code, 0);
  ASSERT_EQ(train("--set runner.mode=fast").exit_code, 0);
  std::vector<std::string> strict, fast;
  for (const auto& dir : runs()) (summary_of(dir)["environment"]["mode"] == "fast" ? fast : strict).push_back(dir);
  ASSERT_EQ(strict.size(), 1u);
  ASSERT_EQ(fast.size(), 2u);
  EXPECT_EQ(summary_of(strict[0])["environment"]["mode"], "strict");
  EXPECT_NE(mt::read_text(fast[0] + "/config.yaml").find("mode: fast"), std::string::npos);
  // Fast mode is still a pure function of config, seed and threads...
  EXPECT_EQ(mt::read_text(fast[0] + "/metrics.csv"), mt::read_text(fast[1] + "/metrics.csv"));
  // ...but sums in another order than strict mode (LeNet-5's first convolution), to rounding.
  EXPECT_NE(mt::read_text(fast[0] + "/metrics.csv"), mt::read_text(strict[0] + "/metrics.csv"));
  EXPECT_NEAR(summary_of(fast[0])["test"]["loss"].get<double>(), summary_of(strict[0])["test"]["loss"].get<double>(),
              1e-3);
}
