// The CIFAR-10 workloads end to end: a run on fixture files records the extra test split
// beside the test split, bad data files fail with one line naming the file, a run resumed
// mid-epoch from a step checkpoint (augmentation on) ends bitwise identical, and
// `modlr summary` works on both shipped configs.
#include <filesystem>

#include "cifar_fixture.h"
#include "cli_fixture.h"
#include "modlr/model/model_set.h"
#include "modlr/tracking/checkpoint.h"

namespace mt = modlr::testing;

namespace {

class CifarCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir = work.file("data");
    runs_dir = work.file("runs");
    mt::write_synthetic_cifar(data_dir, 40, 30);
    config = work.file("cifar.yaml");
    mt::write_text(config, mt::small_cifar_config(data_dir, runs_dir));
  }
  std::string only_run(const std::string& runs) const {
    std::vector<std::string> dirs;
    for (const auto& e : std::filesystem::directory_iterator(runs + "/small-cifar")) dirs.push_back(e.path());
    EXPECT_EQ(dirs.size(), 1u);
    return dirs.empty() ? "" : dirs.front();
  }
  void expect_failure(const std::string& needle) const {
    const auto result = mt::run_modlr("train " + config + " --set tracking.dir=" + work.file("bad"));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("modlr: error: ", 0), 0u) << result.err;
    const auto first_line = result.err.substr(0, result.err.find('\n'));
    EXPECT_NE(first_line.find(needle), std::string::npos) << needle << " in: " << result.err;
    std::filesystem::remove_all(work.file("bad"));
  }

  mt::TempDir work;
  std::string data_dir, runs_dir, config;
};

std::vector<torch::Tensor> final_weights(const std::string& run_dir) {
  modlr::ModelSet models;
  models.add("model", modlr::build_model(modlr::Config::parse("name: cnn_cifar\ndropout: 0.25", "m")));
  modlr::load_checkpoint(models, run_dir + "/checkpoints/epoch-0002.pt");
  return models.only().parameters();
}

}  // namespace

TEST_F(CifarCliTest, RunRecordsTheExtraTestSplitBesideTheTestSplit) {
  const auto result = mt::run_modlr("train " + config);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto dir = only_run(runs_dir);
  const auto s = nlohmann::json::parse(mt::read_text(dir + "/summary.json"));
  EXPECT_EQ(s["status"], "finished");
  const auto& extra = s["extra_tests"]["official_test"];
  ASSERT_TRUE(extra.is_object()) << s.dump(2);
  for (const char* key : {"seconds", "loss", "accuracy", "f1_macro", "auc_roc", "confusion_matrix"})
    EXPECT_TRUE(extra.contains(key)) << key;
  int64_t examples = 0;
  for (const auto& row : extra["confusion_matrix"])
    for (const auto& n : row) examples += n.get<int64_t>();
  EXPECT_EQ(examples, 30);                              // test_batch_first1000 of the fixture
  EXPECT_GT(s["test"]["accuracy"].get<double>(), 0.5);  // learnable in 2 epochs
  const auto metrics = mt::read_text(dir + "/metrics.csv");
  EXPECT_NE(metrics.find("\n2,test,accuracy,"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\n2,official_test,accuracy,"), std::string::npos) << metrics;
  EXPECT_EQ(s["data"].size(), 6u);  // 4 training, 1 test, 1 extra test file
  EXPECT_NE(result.out.find("official_test"), std::string::npos);
  const auto eval =
      mt::run_modlr("eval " + config + " --checkpoint " + dir + "/model.safetensors --split official_test");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find("split official_test (30 examples)"), std::string::npos) << eval.out;
  const auto bad_split = mt::run_modlr("eval " + config + " --checkpoint " + dir + "/model.safetensors --split other");
  EXPECT_EQ(bad_split.exit_code, 1);
  EXPECT_NE(
      bad_split.err.find("--split 'other': not a split of this data set (train, validation, test, official_test)"),
      std::string::npos)
      << bad_split.err;
}

TEST_F(CifarCliTest, BadDataFilesFailWithOneLineNamingTheFile) {
  const auto batch = data_dir + "/test_batch_first1000.bin";
  auto bytes = mt::read_text(batch);
  mt::write_text(batch, bytes.substr(0, bytes.size() - 10));
  expect_failure(batch + ": size 92180 bytes is not a multiple of the 3073-byte CIFAR-10 record");
  bytes[3073] = 12;
  mt::write_text(batch, bytes);
  expect_failure(batch + ": record 1 has label 12");
  mt::write_text(batch, "");
  expect_failure(batch + ": empty CIFAR-10 file");
  std::filesystem::remove(batch);
  expect_failure("data file not found: none of " + data_dir + "/test_batch_first1000.bin.gz");
  const auto gz = data_dir + "/data_batch_2.bin.gz";
  const auto packed = mt::read_text(gz);
  mt::write_text(gz, packed.substr(0, packed.size() / 2));
  expect_failure(gz);
}

TEST_F(CifarCliTest, ResumedMidEpochWithAugmentationEndsBitwiseIdentical) {
  // 160 training images in batches of 32: 5 steps per epoch; step checkpoints every 3 steps.
  const std::string sets = " --set tracking.checkpoint_steps=3 --set tracking.keep_checkpoints=100";
  ASSERT_EQ(mt::run_modlr("train " + config + sets).exit_code, 0);
  const auto reference = only_run(runs_dir);
  for (const char* name : {"step-00000003.pt", "step-00000006.pt", "step-00000009.pt"}) {
    const std::string checkpoint = name;
    SCOPED_TRACE(checkpoint);
    ASSERT_TRUE(mt::exists(reference + "/checkpoints/" + checkpoint));
    const auto copy = work.file("copy-" + checkpoint);
    std::filesystem::copy(reference, copy, std::filesystem::copy_options::recursive);
    mt::write_text(copy + "/checkpoints/latest", checkpoint + "\n");
    std::filesystem::remove(copy +
                            "/summary.json");  // as if killed after that checkpoint (a finished run has nothing to do)
    const auto resumed = mt::run_modlr("train " + config + sets + " --resume " + copy);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("resuming from"), std::string::npos);
    EXPECT_EQ(mt::read_text(copy + "/metrics.csv"), mt::read_text(reference + "/metrics.csv"));
    const auto a = final_weights(reference), b = final_weights(copy);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
    std::filesystem::remove_all(copy);
  }
}

TEST(CifarConfigs, SummaryOnBothConfigs) {
  mt::TempDir data;
  mt::write_synthetic_cifar(data.path(), 8, 4);
  const bool real = mt::exists(MODLR_SOURCE_DIR "/../shared/data/cifar-10/cifar-10-batches-bin/data_batch_1.bin.gz");
  for (const auto& [config, params] :
       std::vector<std::pair<std::string, std::string>>{{"configs/cnn-cifar10.yaml", "total parameters: 620362"},
                                                        {"configs/vgg16-cifar10.yaml", "total parameters: 14728266"}}) {
    SCOPED_TRACE(config);
    // On the fixture files everywhere; on the real data (the config as shipped) where present.
    std::vector<std::string> variants{"--set dataset.path=" + data.path()};
    if (real) variants.push_back("");
    for (const auto& sets : variants) {
      const auto result = mt::run_command(std::string("cd " MODLR_SOURCE_DIR " && ") + MODLR_BINARY + " summary " +
                                          config + " --set dataset.batch_size=4 " + sets);
      ASSERT_EQ(result.exit_code, 0) << result.err;
      EXPECT_NE(result.out.find(params), std::string::npos) << result.out;
      EXPECT_NE(result.out.find("[4, 10]"), std::string::npos) << result.out;
    }
  }
}
