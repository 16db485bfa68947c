// A run stopped in any phase (killed, SIGTERM, or failing) and then resumed ends with the
// record an uninterrupted run writes; a finished run resumed again has nothing to do and
// stays byte for byte; a metric the test split cannot define is recorded as undefined.
// Faults are placed with MODLR_TEST_FAULT (core/interrupt.h), so every phase is hit
// deterministically instead of by timing.
#include <filesystem>
#include <map>

#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

class PhaseTest : public CliTest {
 protected:
  // Validation on, so the runner evaluates (validation twice, then test) and checkpoints
  // after each epoch: the phases of a full run.
  std::string train_args(const std::string& runs) const {
    return "train " + config + " --set dataset.validation=0.1 --set tracking.dir=" + runs;
  }
  std::string reference() {
    const auto result = mt::run_modlr(train_args(work.file("reference")));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return only_run(work.file("reference"));
  }
  static std::string only_run(const std::string& runs) {
    std::vector<std::string> dirs;
    std::error_code error;
    for (const auto& e : std::filesystem::directory_iterator(runs + "/small", error)) dirs.push_back(e.path());
    EXPECT_EQ(dirs.size(), 1u) << runs;
    return dirs.empty() ? "" : dirs.front();
  }
  // summary.json without what differs between any two runs (timings, run id) or between an
  // interrupted and an uninterrupted one (a stop mid-epoch leaves one step checkpoint more).
  nlohmann::json comparable_summary(const std::string& dir) const {
    auto summary = summary_of(dir);
    EXPECT_EQ(summary["checkpoints"].back(), "model.safetensors") << dir;
    summary.erase("checkpoints");
    summary.erase("run_id");
    summary["train"].erase("seconds");
    summary["train"].erase("breakdown_seconds");
    for (const char* timing : {"seconds", "load_seconds", "compute_seconds"}) summary["test"].erase(timing);
    return summary;
  }
  void expect_same_record(const std::string& expected, const std::string& actual, const std::string& what) {
    EXPECT_EQ(mt::read_text(expected + "/metrics.csv"), mt::read_text(actual + "/metrics.csv")) << what;
    EXPECT_EQ(comparable_summary(expected).dump(1), comparable_summary(actual).dump(1)) << what;
    // The same config but for where the record goes (each case has its own tracking.dir).
    const auto without_dir = [](std::string text) {
      const auto at = text.find("\n  dir: ");
      return at == std::string::npos ? text : text.erase(at, text.find('\n', at + 1) - at);
    };
    EXPECT_EQ(without_dir(mt::read_text(expected + "/config.yaml")),
              without_dir(mt::read_text(actual + "/config.yaml")))
        << what;
    EXPECT_TRUE(mt::read_text(expected + "/model.safetensors") == mt::read_text(actual + "/model.safetensors")) << what;
  }
};

// `modlr ARGS` with MODLR_TEST_FAULT=fault in its environment.
mt::CommandResult run_with_fault(const std::string& fault, const std::string& args) {
  return mt::run_command("MODLR_TEST_FAULT='" + fault + "' " MODLR_BINARY " " + args);
}

}  // namespace

TEST_F(PhaseTest, KilledInEveryPhaseAndResumedEqualsTheUninterruptedRun) {
  const auto expected = reference();
  // Evaluation batches: validation 2 per epoch (60 rows / 50), then test 4 (200 / 50).
  for (const std::string point :
       {"built:1", "loaded:1", "fit_start:1", "batch_end:5", "epoch_complete:1", "evaluation_batch:2",
        "evaluation_batch:6", "weights_saved:1", "tested:1", "summary_written:1"}) {
    const auto runs = work.file("killed-" + point.substr(0, point.find(':')) + point.substr(point.find(':') + 1));
    const auto killed = run_with_fault(point + ":KILL", train_args(runs));
    EXPECT_EQ(killed.exit_code, 128 + 9) << point << ": " << killed.err;
    const auto dir = only_run(runs);
    const auto resumed = mt::run_modlr(train_args(runs) + " --resume " + dir);
    ASSERT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    expect_same_record(expected, dir, "killed at " + point);
  }
}

TEST_F(PhaseTest, SigtermInEveryPhaseIsHonouredAndTheRunResumes) {
  const auto expected = reference();
  for (const std::string point : {"built:1", "loaded:1", "batch_end:5", "evaluation_batch:2", "evaluation_batch:6",
                                  "weights_saved:1", "tested:1"}) {
    const auto runs = work.file("term-" + point.substr(0, point.find(':')) + point.substr(point.find(':') + 1));
    const auto stopped = run_with_fault(point + ":TERM", train_args(runs));
    EXPECT_EQ(stopped.exit_code, 128 + 15) << point << ": " << stopped.err;
    EXPECT_NE(stopped.err.find("interrupted by SIGTERM while "), std::string::npos) << point << ": " << stopped.err;
    const auto dir = only_run(runs);
    EXPECT_EQ(summary_of(dir)["status"], "interrupted") << point;
    const auto resumed = mt::run_modlr(train_args(runs) + " --resume " + dir);
    ASSERT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    expect_same_record(expected, dir, "SIGTERM at " + point);
  }
}

TEST_F(PhaseTest, AnFp16RunKilledMidEpochResumesWithItsLossScale) {
  // The loss scale and its growth counter travel in the checkpoint: a mid-epoch resume of
  // an fp16 run ends as the uninterrupted fp16 run.
  const auto fp16 = " --set runner.precision=fp16 --set tracking.checkpoint_steps=4";
  ASSERT_EQ(mt::run_modlr(train_args(work.file("fp16-reference")) + fp16).exit_code, 0);
  const auto expected = only_run(work.file("fp16-reference"));
  EXPECT_EQ(summary_of(expected)["environment"]["precision"], "fp16");
  const auto runs = work.file("fp16-killed");
  EXPECT_EQ(run_with_fault("batch_end:10:KILL", train_args(runs) + fp16).exit_code, 128 + 9);
  const auto dir = only_run(runs);
  ASSERT_EQ(mt::run_modlr(train_args(runs) + fp16 + " --resume " + dir).exit_code, 0);
  expect_same_record(expected, dir, "fp16 killed at batch 10");
}

TEST_F(PhaseTest, AFailureAfterTrainingKeepsTheTrainedWeights) {
  const auto expected = reference();
  const auto runs = work.file("failing");
  const auto failed = run_with_fault("tested:1:THROW", train_args(runs));
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("fault injected at tested"), std::string::npos) << failed.err;
  const auto dir = only_run(runs);
  const auto summary = summary_of(dir);
  EXPECT_EQ(summary["status"], "failed");
  EXPECT_EQ(summary["checkpoints"].back(), "model.safetensors");
  EXPECT_TRUE(mt::read_text(expected + "/model.safetensors") == mt::read_text(dir + "/model.safetensors"));
  // And the failed run resumes to the uninterrupted record.
  ASSERT_EQ(mt::run_modlr(train_args(runs) + " --resume " + dir).exit_code, 0);
  expect_same_record(expected, dir, "resumed after a failure");
}

TEST_F(PhaseTest, ResumingAFinishedRunChangesNothing) {
  const auto dir = reference();
  std::map<std::string, std::string> before;
  for (const auto& name : mt::list_files(dir)) before[name] = mt::read_text(dir + "/" + name);
  const auto again = mt::run_modlr(train_args(work.file("reference")) + " --resume " + dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already finished; nothing to do"), std::string::npos) << again.out;
  std::map<std::string, std::string> after;
  for (const auto& name : mt::list_files(dir)) after[name] = mt::read_text(dir + "/" + name);
  EXPECT_TRUE(before == after);
}

TEST_F(PhaseTest, MalformedFaultVariableIsOneLine) {
  const auto result = run_with_fault("nonsense", train_args(work.file("x")));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("MODLR_TEST_FAULT='nonsense': expected <point>:<n>:<KILL|TERM|INT|THROW>"),
            std::string::npos)
      << result.err;
}

TEST_F(CliTest, ATestSplitOfOneClassLeavesAucUndefinedAndTheRunFinished) {
  // Every test label 0: AUC (one class against the rest) cannot be computed.
  std::vector<uint8_t> zeros(200, 0);
  mt::write_idx(data_dir + "/t10k-labels-idx1-ubyte.gz", {200}, zeros, true);
  const auto result = train("--set runner.epochs=1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto dir = runs().front();
  const auto summary = summary_of(dir);
  EXPECT_EQ(summary["status"], "finished");
  EXPECT_TRUE(summary["test"]["auc_roc"].is_null());
  EXPECT_NE(summary["test"]["undefined"]["auc_roc"].get<std::string>().find("one class"), std::string::npos);
  EXPECT_TRUE(summary["test"]["accuracy"].is_number());
  EXPECT_EQ(summary["environment"]["data_device"], "cpu");  // dataset.device auto on a CPU run
  const auto metrics = mt::read_text(dir + "/metrics.csv");
  EXPECT_EQ(metrics.find("test,auc_roc"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("test,accuracy"), std::string::npos) << metrics;
}

TEST_F(CliTest, TheTimingBreakdownIsMeasuredOnTheCpuAndCanBeSwitchedOff) {
  ASSERT_EQ(train("--set runner.epochs=1").exit_code, 0);
  EXPECT_EQ(summary_of(runs().back())["train"]["breakdown_seconds"].size(), 5u);
  EXPECT_EQ(summary_of(runs().back())["environment"]["bitwise_reproducible"], "yes");
  const auto off = train("--set runner.epochs=1 --set runner.timing_breakdown=false");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const auto summary = summary_of(runs().back());
  EXPECT_TRUE(summary["train"]["breakdown_seconds"].empty());
  EXPECT_GT(summary["train"]["seconds"].get<double>(), 0.0);
}
