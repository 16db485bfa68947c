// Hostile names and run directories (issue "Hardening"): names that would become paths,
// failed resumes that must leave a finished run byte for byte as it was, a `latest` that
// points elsewhere, a second process on the same run, unbounded --seeds, non-UTF-8 bytes.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <map>

#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

// Every file under `dir` with its bytes.
std::map<std::string, std::string> snapshot_files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[entry.path().string()] = mt::read_text(entry.path().string());
  return files;
}

class FinishedRunTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_EQ(train("--set runner.epochs=1").exit_code, 0);
    run = runs().front();
    before = snapshot_files(run);
  }
  // A resume that must fail with `needle` in its one-line error and change nothing.
  void expect_refused_resume(const std::string& extra, const std::string& needle) {
    const auto result = train(extra + " --resume " + run);
    EXPECT_EQ(result.exit_code, 1) << extra;
    EXPECT_EQ(result.err.rfind("modlr: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.substr(0, result.err.find('\n')).find(needle), std::string::npos) << result.err;
    EXPECT_LT(result.err.size(), 2000u) << "the error quotes what it read whole";
    EXPECT_TRUE(snapshot_files(run) == before) << "the failed resume changed " << run << "; " << result.err;
    EXPECT_EQ(summary_of(run)["status"], "finished");
  }
  std::string run;
  std::map<std::string, std::string> before;
};

}  // namespace

TEST_F(FinishedRunTest, AFailedResumeLeavesTheRunByteForByte) {
  expect_refused_resume("--set runner.epoch=3", "unknown config key 'runner.epoch'");
  expect_refused_resume("--set dataset.path=" + work.file("gone"), work.file("gone"));
  // checkpoints/ that takes no file (root ignores permissions: make it a file instead).
  const auto checkpoints = run + "/checkpoints";
  std::filesystem::rename(checkpoints, work.file("moved"));
  mt::write_text(checkpoints, "not a directory");
  before = snapshot_files(run);
  expect_refused_resume("--set runner.epochs=2", "cannot write a checkpoint there");
}

TEST_F(FinishedRunTest, LatestMustNameACheckpointOfThisRun) {
  const auto latest = run + "/checkpoints/latest";
  for (const std::string pointer : {"../../../../etc/passwd\n", "/etc/passwd\n", "epoch-0001.pt/../../x\n"}) {
    mt::write_text(latest, pointer);
    before = snapshot_files(run);
    expect_refused_resume("--set runner.epochs=2", "is not a checkpoint name of this run");
  }
  mt::write_text(latest, std::string(10 << 20, 'x'));  // 10 MB: refused unread
  before = snapshot_files(run);
  expect_refused_resume("--set runner.epochs=2", "bytes, not a checkpoint name");
}

TEST_F(FinishedRunTest, ASecondProcessOnTheSameRunIsRefused) {
  const int fd = ::open(run.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // as a running modlr holds it
  expect_refused_resume("--set runner.epochs=2", "in use by another modlr process");
  ::close(fd);
  EXPECT_EQ(train("--set runner.epochs=2 --resume " + run).exit_code, 0);  // free again
}

TEST_F(CliTest, NamesThatWouldBecomePathsAreRefused) {
  for (const std::string name : {"../../escaped", "a/b", "..", "tab\there"}) {
    const auto result = train("--set \"experiment=" + name + "\"");
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_NE(result.err.find("config key 'experiment'"), std::string::npos) << result.err;
  }
  EXPECT_FALSE(mt::exists(work.file("escaped")));
  EXPECT_FALSE(mt::exists(runs_dir + "/a"));
  // The failed records stay inside tracking.dir, under the config's own name.
  for (const auto& dir : runs("small")) EXPECT_EQ(summary_of(dir)["status"], "failed");
}

TEST_F(CliTest, AWronglyTypedSeedStillRecordsInTrackingDir) {
  const auto result = train("--set \"seed=[1]\"");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("config key 'seed'"), std::string::npos) << result.err;
  ASSERT_EQ(runs().size(), 1u);
  EXPECT_EQ(summary_of(runs().front())["status"], "failed");
}

TEST_F(CliTest, SeedListsAreBounded) {
  const auto huge = train("--seeds 0-9223372036854775807");
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("more than 1000 seeds"), std::string::npos) << huge.err;
  const auto many = train("--seeds 1-600,601-1200");
  EXPECT_NE(many.err.find("more than 1000 seeds"), std::string::npos) << many.err;
  const auto negative = train("--seeds -3");
  EXPECT_NE(negative.err.find("expected seeds >= 0"), std::string::npos) << negative.err;
  EXPECT_FALSE(mt::exists(runs_dir + "/small"));  // nothing started
}

TEST_F(CliTest, NonUtf8BytesStillGiveAValidSummary) {
  const auto result = train("--set \"$(printf 'dataset.path=" + work.file("data") + "\\377')\"");
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(runs().size(), 1u);
  const auto summary = summary_of(runs().front());  // parses: valid UTF-8 JSON
  EXPECT_EQ(summary["status"], "failed");
  EXPECT_NE(summary["error"].get<std::string>().find("data\\xff"), std::string::npos) << summary["error"];
}

TEST_F(FinishedRunTest, AnAlteredCheckpointIsRefusedByEvalExportAndResume) {
  const auto checkpoint = run + "/checkpoints/epoch-0001.pt";
  auto bytes = mt::read_text(checkpoint);
  mt::write_text(checkpoint, bytes.substr(0, bytes.size() - 64));  // a cut tensor record
  before = snapshot_files(run);
  for (const std::string command : {"eval", "export"}) {
    const auto result = mt::run_modlr(command + " " + config + " --checkpoint " + checkpoint +
                                      (command == "export" ? " --onnx " + work.file("m.onnx") : ""));
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_EQ(result.err.rfind("modlr: error: " + checkpoint + ": not a checkpoint modlr wrote", 0), 0u) << result.err;
    EXPECT_FALSE(mt::exists(work.file("m.onnx")));
  }
  expect_refused_resume("--set runner.epochs=2", "its bytes do not match its checksum");
}

TEST_F(CliTest, NumericKeysHaveRangesNamedInTheError) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"dataset.classes=300", "config key 'dataset.classes': must be in [1, 256], got 300"},
      {"dataset.augment.crop_padding=5000",
       "config key 'dataset.augment.crop_padding': must be in [0, 1024], got 5000"},
      {"runner.epochs=4294967296", "config key 'runner.epochs': must be in [1, 2147483647], got 4294967296"},
      {"dataset.max_decompressed_mib=0", "config key 'dataset.max_decompressed_mib'"},
  };
  for (const auto& [setting, needle] : cases) {
    const auto result = train("--set " + setting);
    EXPECT_EQ(result.exit_code, 1) << setting;
    EXPECT_NE(result.err.find(needle), std::string::npos) << setting << ": " << result.err;
  }
}

TEST_F(CliTest, AGzippedDataFileOverTheSizeBoundIsOneLineNamingItAndTheKey) {
  // 3,000 images of 28x28 (2.2 MiB) gzipped, against a bound of 1 MiB.
  mt::write_idx(data_dir + "/train-images-idx3-ubyte.gz", {3000, 28, 28}, std::vector<uint8_t>(3000 * 784, 7), true);
  const auto result = train("--set dataset.max_decompressed_mib=1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(data_dir + "/train-images-idx3-ubyte.gz: gzip data expands past 1 MiB "
                                       "(dataset.max_decompressed_mib raises the limit)"),
            std::string::npos)
      << result.err;
}
