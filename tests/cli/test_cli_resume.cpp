// Runs that survive: a run killed (SIGKILL) at random moments and resumed, or interrupted
// (SIGINT) and resumed, ends bitwise identical to an uninterrupted one; divergence and a
// full disk fail clearly and leave the last good checkpoint valid.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "cli_fixture.h"
#include "modlr/model/model.h"
#include "modlr/tracking/checkpoint.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

// Starts `modlr ARGS...` in the background (output discarded); returns its pid.
pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(MODLR_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execv(MODLR_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits until the run under `dir` has written a checkpoint other than `previous`, or the
// process ended; returns the checkpoint `latest` names ("" if none).
std::string wait_for_new_checkpoint(pid_t pid, const std::string& checkpoints, const std::string& previous) {
  for (int i = 0; i < 4000; ++i) {
    const auto latest = mt::read_text(checkpoints + "/latest");
    if (!latest.empty() && latest != previous) return latest;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return "";
}

class ResumeTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    mt::write_synthetic_idx(data_dir, 2000, 200, 3);  // more steps to interrupt
  }
  std::vector<std::string> train_args(const std::string& extra_runs_dir) const {
    return {"train", config,
            "--set", "tracking.checkpoint_steps=7",
            "--set", "runner.epochs=3",
            "--set", "tracking.dir=" + extra_runs_dir,
            "--set", "optimizer.momentum=0.9"};
  }
  // The uninterrupted reference run; returns its directory.
  std::string reference_run() {
    auto args = train_args(work.file("reference"));
    std::string command;
    for (size_t i = 1; i < args.size(); ++i) command += " '" + args[i] + "'";
    EXPECT_EQ(mt::run_modlr("train" + command).exit_code, 0);
    return only_run(work.file("reference"));
  }
  std::string only_run(const std::string& runs) const {
    const auto dir = find_run(runs);
    EXPECT_FALSE(dir.empty()) << "expected exactly one run under " << runs;
    return dir;
  }
  // The one run directory under `runs`, or "" while it does not exist (yet).
  static std::string find_run(const std::string& runs) {
    std::vector<std::string> dirs;
    std::error_code error;
    for (const auto& e : std::filesystem::directory_iterator(runs + "/small", error)) dirs.push_back(e.path());
    return dirs.size() == 1 ? dirs.front() : "";
  }
  void expect_same_result(const std::string& a, const std::string& b) {
    EXPECT_EQ(mt::read_text(a + "/metrics.csv"), mt::read_text(b + "/metrics.csv"));
    auto weights = [](const std::string& dir) {
      modlr::ModelSet models;
      models.add("model", modlr::build_model(modlr::Config::parse("name: lenet5", "m")));
      modlr::load_checkpoint(models, dir + "/checkpoints/epoch-0003.pt");
      return models.only().parameters();
    };
    const auto p = weights(a), q = weights(b);
    for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i], q[i])) << "parameter " << i;
    EXPECT_EQ(summary_of(b)["status"], "finished");
    EXPECT_EQ(summary_of(a)["test"]["accuracy"], summary_of(b)["test"]["accuracy"]);
  }
};

}  // namespace

TEST_F(ResumeTest, KilledAtRandomStepsAndResumedEndsBitwiseIdentical) {
  const auto reference = reference_run();
  std::mt19937 rng(2026);
  const auto runs = work.file("killed");
  auto args = train_args(runs);
  pid_t pid = spawn(args);
  std::string run_dir, latest;
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    while (run_dir.empty() && ::waitpid(pid, nullptr, WNOHANG) == 0) {
      run_dir = find_run(runs);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    latest = wait_for_new_checkpoint(pid, run_dir + "/checkpoints", latest);
    if (latest.empty()) break;  // the run finished before we could kill it
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 25));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    wait_exit(pid);
    auto resume_args = args;
    resume_args.insert(resume_args.end(), {"--resume", run_dir});
    pid = spawn(resume_args);
  }
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_GE(kills, 2);
  expect_same_result(reference, run_dir);
}

TEST_F(ResumeTest, SigintStopsCleanlyAndTheRunResumes) {
  const auto reference = reference_run();
  const auto runs = work.file("interrupted");
  auto args = train_args(runs);
  const pid_t pid = spawn(args);
  std::string run_dir;
  for (int i = 0; i < 5000 && run_dir.empty(); ++i) {
    run_dir = find_run(runs);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(run_dir.empty());
  ASSERT_FALSE(wait_for_new_checkpoint(pid, run_dir + "/checkpoints", "").empty());
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid), 130);
  EXPECT_EQ(summary_of(run_dir)["status"], "interrupted");
  const auto latest = mt::read_text(run_dir + "/checkpoints/latest");
  EXPECT_TRUE(mt::exists(run_dir + "/checkpoints/" + latest.substr(0, latest.size() - 1)));
  std::string command;
  for (size_t i = 1; i < args.size(); ++i) command += " '" + args[i] + "'";
  const auto resumed = mt::run_modlr("train" + command + " --resume " + run_dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming from"), std::string::npos);
  expect_same_result(reference, run_dir);
}

TEST_F(CliTest, ResumeWithMoreEpochsEqualsTheLongerRun) {
  ASSERT_EQ(train("--set runner.epochs=3 --set tracking.dir=" + work.file("long")).exit_code, 0);
  ASSERT_EQ(train("--set runner.epochs=2").exit_code, 0);
  const auto dir = runs().front();
  const auto resumed = train("--set runner.epochs=3 --resume " + dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  std::string longer;
  for (const auto& e : std::filesystem::directory_iterator(work.file("long") + "/small")) longer = e.path();
  EXPECT_EQ(mt::read_text(dir + "/metrics.csv"), mt::read_text(longer + "/metrics.csv"));
}

TEST_F(CliTest, ResumeRefusesAnotherExperimentsRun) {
  ASSERT_EQ(train("--set runner.epochs=1").exit_code, 0);
  mt::write_text(work.file("other.yaml"), "experiment: other\n" + mt::read_text(config).substr(18));
  const auto result = mt::run_modlr("train " + work.file("other.yaml") + " --resume " + runs().front());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("holds a run of experiment 'small', not 'other'"), std::string::npos) << result.err;
}

TEST_F(CliTest, DivergenceFailsNamingTheStepAndKeepsTheLastGoodCheckpoint) {
  // lr 1e4 with momentum blows up within the first epoch.
  const auto result = train("--set optimizer.lr=10000 --set tracking.checkpoint_steps=2");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("objective 'loss' or its gradient is"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(", step "), std::string::npos) << result.err;
  const auto dir = runs().front();
  EXPECT_EQ(summary_of(dir)["status"], "failed");
  const auto latest = mt::read_text(dir + "/checkpoints/latest");
  if (latest.empty()) return;  // diverged before the first checkpoint
  modlr::ModelSet models;
  models.add("model", modlr::build_model(modlr::Config::parse("name: lenet5", "m")));
  modlr::load_checkpoint(models, dir + "/checkpoints/" + latest.substr(0, latest.size() - 1));
  for (const auto& p : models.only().parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST_F(CliTest, FullDiskFailsClearlyAndKeepsEarlierCheckpoints) {
  const auto disk = work.file("disk");
  std::filesystem::create_directories(disk);
  // Room for the run record and about two checkpoints of LeNet-5 with momentum (~0.5 MB each).
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=1200k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  const auto result = train("--set runner.epochs=30 --set tracking.keep_checkpoints=100 --set tracking.dir=" + disk);
  const auto listing = mt::list_files(disk);
  std::string latest_text;
  std::string run_dir;
  for (const auto& e : std::filesystem::directory_iterator(disk + "/small")) run_dir = e.path();
  latest_text = mt::read_text(run_dir + "/checkpoints/latest");
  ::umount(disk.c_str());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
  ASSERT_FALSE(latest_text.empty()) << result.err;
  for (const auto& file : listing) EXPECT_EQ(file.find(".tmp."), std::string::npos) << file;
}
