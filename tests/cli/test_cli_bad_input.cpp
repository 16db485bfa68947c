// Every bad input gets one clear line naming the file or key, a non-zero exit, a failed
// run record, and leaves earlier runs untouched.
#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

class BadInputTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_EQ(train("--set runner.epochs=1").exit_code, 0);
    earlier = runs().front();
    for (const auto& file : mt::list_files(earlier)) earlier_files[file] = mt::read_text(earlier + "/" + file);
  }
  void TearDown() override {
    std::map<std::string, std::string> now;
    for (const auto& file : mt::list_files(earlier)) now[file] = mt::read_text(earlier + "/" + file);
    EXPECT_TRUE(now == earlier_files) << "the earlier run was modified";
  }
  // Runs `args`, expects failure with `needles` in a one-line error and a failed record.
  void expect_failure(const std::string& args, const std::vector<std::string>& needles, bool expect_record = true) {
    const auto before = runs().size();
    const auto result = mt::run_modlr(args);
    EXPECT_EQ(result.exit_code, 1) << args;
    const auto first_line = result.err.substr(0, result.err.find('\n'));
    EXPECT_EQ(first_line.rfind("modlr: error: ", 0), 0u) << result.err;
    for (const auto& needle : needles)
      EXPECT_NE(first_line.find(needle), std::string::npos) << needle << " in: " << result.err;
    if (!expect_record) return;
    ASSERT_EQ(runs().size(), before + 1) << result.err;
    const auto s = summary_of(runs().back());
    EXPECT_EQ(s["status"], "failed");
    EXPECT_NE(s["error"].get<std::string>().find(needles.front()), std::string::npos) << s["error"];
  }
  std::string replace_in_config(const std::string& from, const std::string& to) {
    auto text = mt::read_text(config);
    text.replace(text.find(from), from.size(), to);
    const auto path = work.file("edited.yaml");
    mt::write_text(path, "experiment: small\n" + text.substr(text.find('\n') + 1));
    return path;
  }

  std::string earlier;
  std::map<std::string, std::string> earlier_files;
};

}  // namespace

TEST_F(BadInputTest, MissingDataFile) {
  std::remove((data_dir + "/t10k-images-idx3-ubyte").c_str());
  expect_failure("train " + config, {data_dir + "/t10k-images-idx3-ubyte", "not found"});
}

TEST_F(BadInputTest, WrongIdxMagic) {
  auto bytes = mt::read_text(data_dir + "/t10k-images-idx3-ubyte");
  bytes[0] = 0x12;
  mt::write_text(data_dir + "/t10k-images-idx3-ubyte", bytes);
  expect_failure("train " + config, {data_dir + "/t10k-images-idx3-ubyte", "bad magic"});
}

TEST_F(BadInputTest, TruncatedIdxFile) {
  auto bytes = mt::read_text(data_dir + "/t10k-images-idx3-ubyte");
  mt::write_text(data_dir + "/t10k-images-idx3-ubyte", bytes.substr(0, bytes.size() - 100));
  expect_failure("train " + config, {data_dir + "/t10k-images-idx3-ubyte", "truncated"});
}

TEST_F(BadInputTest, TruncatedGzipFile) {
  auto bytes = mt::read_text(data_dir + "/train-images-idx3-ubyte.gz");
  mt::write_text(data_dir + "/train-images-idx3-ubyte.gz", bytes.substr(0, bytes.size() / 2));
  expect_failure("train " + config, {data_dir + "/train-images-idx3-ubyte.gz", "truncated"});
}

TEST_F(BadInputTest, ImageLabelCountMismatch) {
  mt::write_idx(data_dir + "/t10k-labels-idx1-ubyte.gz", {150}, std::vector<uint8_t>(150, 1), true);
  expect_failure("train " + config, {"count mismatch", "200 images", "150 labels"});
}

TEST_F(BadInputTest, LabelOutOfRange) {
  mt::write_idx(data_dir + "/t10k-labels-idx1-ubyte.gz", {200}, std::vector<uint8_t>(200, 10), true);
  expect_failure("train " + config, {data_dir + "/t10k-labels-idx1-ubyte.gz", "label out of range"});
}

TEST_F(BadInputTest, UnknownComponentName) {
  expect_failure("train " + config + " --set model.name=lenet7", {"model.name", "unknown model 'lenet7'", "lenet5"});
  expect_failure("train " + config + " --set loss.name=hinge", {"loss.name", "unknown loss 'hinge'"});
  expect_failure("train " + config + " --set optimizer.name=rmsprop", {"optimizer.name", "unknown optimizer"});
}

TEST_F(BadInputTest, UnknownConfigKey) {
  expect_failure("train " + replace_in_config("  epochs: 2", "  epoch: 2"),
                 {"unknown config key 'runner.epoch'", "did you mean 'epochs'"});
  expect_failure("train " + config + " --set runner.epocs=3", {"runner.epocs"});
  expect_failure("train " + config + " --set runner.mode=turbo", {"runner.mode", "strict", "fast"});
}

TEST_F(BadInputTest, MistypedConfigValue) {
  expect_failure("train " + config + " --set runner.epochs=two", {"runner.epochs", "expected an integer", "'two'"});
  expect_failure("train " + config + " --set optimizer.lr=fast", {"optimizer.lr", "expected a number"});
  expect_failure("train " + config + " --set dataset.shuffle=maybe", {"dataset.shuffle"});
}

TEST_F(BadInputTest, ZeroOrNegativeSizes) {
  expect_failure("train " + config + " --set dataset.batch_size=0",
                 {"dataset.batch_size", "must be in [1, 2147483647], got 0"});
  expect_failure("train " + config + " --set runner.epochs=-1",
                 {"runner.epochs", "must be in [1, 2147483647], got -1"});
  expect_failure("train " + config + " --set runner.threads=0", {"runner.threads"});
  expect_failure("train " + config + " --set model.name=mlp --set model.sizes=[784,-5,10]", {"model.sizes"});
}

TEST_F(BadInputTest, MissingOrInvalidConfigFile) {
  expect_failure("train " + work.file("absent.yaml"), {work.file("absent.yaml"), "cannot open"}, false);
  mt::write_text(work.file("broken.yaml"), "dataset: [\n");
  expect_failure("train " + work.file("broken.yaml"), {work.file("broken.yaml"), "invalid YAML"}, false);
  expect_failure("summary " + config + " --set model.name=lenet7", {"unknown model"}, false);
}

TEST_F(BadInputTest, CudaWithoutAGpuNamesTheKeyAndTheRemedy) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible: runner.device=cuda is valid here";
  expect_failure(
      "train " + config + " --set runner.device=cuda",
      {"runner.device", at::detail::getCUDAHooks().isBuilt() ? "no CUDA device is visible" : "built without CUDA",
       "runner.device=cpu"});
}

TEST_F(BadInputTest, DataOnAGpuNeedsTheRunOnIt) {
  expect_failure("train " + config + " --set dataset.device=cuda",
                 {"dataset.device", "cuda needs runner.device: cuda"});
  expect_failure("train " + config + " --set dataset.device=tpu", {"dataset.device", "auto, cpu, cuda"});
}
