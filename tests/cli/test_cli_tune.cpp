// `modlr tune` end to end on the synthetic IDX data: a study with pruning and seeds, a
// study killed and resumed, a crashing trial, and bad input.
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/cli_fixture.h"
#include "modlr/core/config.h"
#include "modlr/tune/study_store.h"
#include "tune/postgres_fixture.h"

namespace modlr::testing {
namespace {

class TuneCli : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    space = work.file("space.yaml");
    write_text(space,
               "optimizer.lr: {type: log_uniform, low: 0.005, high: 0.1}\n"
               "dataset.batch_size: {type: categorical, choices: [32, 64]}\n");
    study = work.file("study");
  }
  CommandResult tune(const std::string& extra) const {
    return run_modlr("tune " + config + " --space " + space + " --study " + study +
                     " --set dataset.validation=0.2 --set runner.epochs=2 " + extra);
  }
  nlohmann::json study_summary() const { return nlohmann::json::parse(read_text(study + "/summary.json")); }

  std::string space, study;
};

// The last validation accuracy a run recorded in its metrics.csv (epoch,split,metric,value).
double last_validation_accuracy(const std::string& run_dir) {
  std::ifstream csv(run_dir + "/metrics.csv");
  double value = NAN;
  for (std::string line; std::getline(csv, line);)
    if (line.find(",validation,accuracy,") != std::string::npos) value = std::stod(line.substr(line.rfind(',') + 1));
  return value;
}

TEST_F(TuneCli, RunsTrialsWithSeedsPrunesAndWritesTheBestConfig) {
  const auto result = tune(
      "--trials 4 --parallel 2 --seeds 1-2 --sampler random --pruner asha "
      "--validations-per-epoch 2 --study-seed 3");
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto summary = study_summary();
  ASSERT_EQ(summary["trials"].size(), 4u);
  int complete = 0;
  for (const auto& trial : summary["trials"]) {
    if (trial["state"] == "pruned") {
      EXPECT_GE(trial["pruned_at_step"].get<int64_t>(), 1);
      EXPECT_LT(trial["epochs"].get<double>(), 4.0);
      continue;
    }
    ASSERT_EQ(trial["state"], "complete") << trial.dump();
    ++complete;
    // The trial's value is the mean of its seeds' last validation accuracies, its spread
    // their sample standard deviation, both from the runs' own metrics.csv.
    ASSERT_EQ(trial["runs"].size(), 2u);
    const double a = last_validation_accuracy(trial["runs"][0]["dir"]);
    const double b = last_validation_accuracy(trial["runs"][1]["dir"]);
    EXPECT_NEAR(trial["value"].get<double>(), (a + b) / 2, 1e-12);
    EXPECT_NEAR(trial["spread"].get<double>(), std::abs(a - b) / std::sqrt(2.0), 1e-12);
    EXPECT_DOUBLE_EQ(trial["epochs"].get<double>(), 4.0);
    for (const auto& run : trial["runs"]) EXPECT_EQ(summary_of(run["dir"])["status"], "finished") << run["dir"];
  }
  EXPECT_GE(complete, 1);
  EXPECT_LE(summary["epochs_trained"].get<double>(), summary["epochs_unpruned"].get<double>());
  EXPECT_DOUBLE_EQ(summary["epochs_unpruned"].get<double>(), 16.0);  // 4 trials x 2 seeds x 2 epochs
  // best.yaml: the best trial's resolved config, trainable as it is, recording where the
  // experiment's own runs go.
  const auto& best = summary["best"];
  auto config = Config::load(study + "/best.yaml");
  EXPECT_EQ(config.section("tracking").get<std::string>("dir"), runs_dir);
  EXPECT_EQ("optimizer.lr=" + config.section("optimizer").get<std::string>("lr"),
            best["overrides"][0].get<std::string>());
  EXPECT_NE(result.out.find("best config: " + study + "/best.yaml"), std::string::npos);

  // The study's report: a plot per parameter and of every trial's curve, the best trial's.
  const auto report = run_modlr("report " + study + " --out " + work.file("report"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto page = read_text(work.file("report/index.html"));
  EXPECT_NE(page.find("<title>optimizer.lr</title>"), std::string::npos);
  EXPECT_NE(page.find("<title>dataset.batch_size</title>"), std::string::npos);
  EXPECT_NE(page.find("every trial&#39;s validation.accuracy"), std::string::npos);
  EXPECT_NE(page.find("The best trial"), std::string::npos);
  EXPECT_NE(page.find("best trial (" + std::to_string(best["number"].get<int64_t>()) + "): validation/accuracy"),
            std::string::npos);
}

TEST_F(TuneCli, AKilledStudyResumesWithoutLosingOrRerunningFinishedTrials) {
  const std::string out = work.file("tune.out");
  const auto killed =
      run_command("(" + std::string(MODLR_BINARY) + " tune " + config + " --space " + space + " --study " + study +
                  " --set dataset.validation=0.2 --set runner.epochs=2 --trials 3 --sampler random > " + out +
                  " 2>&1 & pid=$!; for i in $(seq 1 1200); do grep -q '^trial 0 ' " + out +
                  " && break; sleep 0.1; done; kill -9 $pid; wait $pid; exit 0)");
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  ASSERT_NE(read_text(out).find("trial 0 complete"), std::string::npos) << read_text(out);
  auto before = StudyStore::open(StudyLocation::sqlite(study + "/study.db"));
  const auto first_run = before.runs(0).at(0).run_dir;
  struct stat first_stat {};
  ASSERT_EQ(::stat((first_run + "/summary.json").c_str(), &first_stat), 0);

  const auto resumed = run_modlr("tune --resume " + study);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_EQ(resumed.out.find("trial 0 "), std::string::npos) << "trial 0 ran again:\n" << resumed.out;
  auto after = StudyStore::open(StudyLocation::sqlite(study + "/study.db"));
  const auto trials = after.trials();
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) EXPECT_EQ(trial.state, TrialState::complete) << trial.number;
  EXPECT_EQ(after.attempt(0), 1);
  EXPECT_EQ(after.runs(0).at(0).run_dir, first_run);
  struct stat again {};
  ASSERT_EQ(::stat((first_run + "/summary.json").c_str(), &again), 0);
  EXPECT_EQ(again.st_mtim.tv_nsec, first_stat.st_mtim.tv_nsec);  // not rewritten
  EXPECT_EQ(study_summary()["trials"].size(), 3u);
}

TEST_F(TuneCli, ACrashingTrialIsRecordedAndTheStudyGoesOn) {
  // lr 1e30 diverges at the first step (runner.on_nan: stop), 0.05 trains.
  write_text(space, "optimizer.lr: {type: categorical, choices: [1.0e+30, 0.05]}\n");
  const auto result = tune("--trials 2 --sampler grid");
  EXPECT_EQ(result.exit_code, 1) << result.err << result.out;
  const auto summary = study_summary();
  ASSERT_EQ(summary["trials"].size(), 2u);
  EXPECT_EQ(summary["trials"][0]["state"], "complete");
  EXPECT_EQ(summary["trials"][1]["state"], "failed");
  EXPECT_NE(summary["trials"][1]["error"].get<std::string>().find("stopping before the optimizer applies it"),
            std::string::npos)
      << summary["trials"][1]["error"];
  EXPECT_NE(result.out.find("trial 0 failed"), std::string::npos) << result.out;
}

// The trial numbers a driver's output reports as ended ("trial N complete ...").
std::set<int64_t> trials_ended(const std::string& output) {
  std::set<int64_t> numbers;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("trial ", 0) == 0 && line.find(" complete") != std::string::npos)
      numbers.insert(std::stoll(line.substr(6)));
  return numbers;
}

// Two drivers, as on two hosts, share one study kept in PostgreSQL: every trial runs once,
// each driver's trials keep their run records in its own directory, and each driver's
// summary and best.yaml cover the whole study.
TEST_F(TuneCli, DriversOnTwoHostsShareAStudyInPostgres) {
  PostgresServer server;
  ASSERT_FALSE(server.url().empty());
  const std::string other = work.file("other-host"), out_a = work.file("a.out"), out_b = work.file("b.out");
  const std::string modlr = MODLR_BINARY;
  const auto both = run_command(
      "(" + modlr + " tune " + config + " --space " + space + " --study " + study +
      " --set dataset.validation=0.2 --set runner.epochs=2 --trials 6 --sampler random --storage " + server.url() +
      " --study-name shared > " + out_a + " 2>&1 & a=$!; for i in $(seq 1 600); do grep -q 'other hosts join' " +
      out_a + " && break; sleep 0.1; done; " + modlr + " tune --join shared --storage " + server.url() + " --study " +
      other + " > " + out_b + " 2>&1; b=$?; wait $a; echo $? $b)");
  ASSERT_EQ(both.out, "0 0\n") << read_text(out_a) << read_text(out_b);
  const auto by_a = trials_ended(read_text(out_a)), by_b = trials_ended(read_text(out_b));
  EXPECT_FALSE(by_a.empty());
  EXPECT_FALSE(by_b.empty()) << read_text(out_b);
  std::set<int64_t> all(by_a.begin(), by_a.end());
  all.insert(by_b.begin(), by_b.end());
  EXPECT_EQ(all.size(), by_a.size() + by_b.size()) << "a trial ran on both hosts";
  EXPECT_EQ(all, (std::set<int64_t>{0, 1, 2, 3, 4, 5}));

  auto store = StudyStore::open(StudyLocation::of_directory(other));
  for (const auto& trial : store.trials()) {
    EXPECT_EQ(trial.state, TrialState::complete) << trial.number;
    const auto run_dir = store.runs(trial.number).at(0).run_dir;
    EXPECT_EQ(run_dir.rfind((by_a.count(trial.number) ? study : other) + "/runs/", 0), 0u) << run_dir;
  }
  // Each host's summary and best.yaml cover every trial, whichever host ran the best.
  const auto summary_b = nlohmann::json::parse(read_text(other + "/summary.json"));
  EXPECT_EQ(study_summary()["trials"].size(), 6u);
  EXPECT_EQ(summary_b["trials"].size(), 6u);
  const auto best_a = Config::load(study + "/best.yaml"), best_b = Config::load(other + "/best.yaml");
  EXPECT_EQ(best_a.section("optimizer").get<std::string>("lr"), best_b.section("optimizer").get<std::string>("lr"));
  EXPECT_EQ(run_modlr("report " + other + " --out " + work.file("report")).exit_code, 0);

  const auto missing = run_modlr("tune --join nosuch --storage " + server.url());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("study nosuch in " + server.url() + ": no such study"), std::string::npos) << missing.err;
}

// One line on stderr naming the culprit, exit 1, and no study directory.
void expect_refused(const CommandResult& result, const std::string& culprit, const std::string& study) {
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_NE(result.err.find(culprit), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_FALSE(exists(study)) << "a refused study left " << study;
}

TEST_F(TuneCli, BadInputIsOneLineAndCreatesNothing) {
  write_text(space, "optimizer.lrr: {type: uniform, low: 0.01, high: 0.1}\n");
  expect_refused(tune("--trials 2"), "search space key 'optimizer.lrr'", study);
  write_text(space, "optimizer.lr: {type: uniform, low: 0.1, high: 0.01}\n");
  expect_refused(tune("--trials 2"), "'optimizer.lr.high': empty range", study);
  write_text(space, "dataset.path: {type: categorical, choices: [a, b]}\n");
  expect_refused(tune("--trials 2"), "'dataset.path': cannot be searched", study);
  write_text(space, "runner.epochs: {type: int, low: 0, high: 2}\n");
  expect_refused(tune("--trials 2"), "search space key 'runner.epochs' = 0", study);
  write_text(space, "optimizer.lr: {type: uniform, low: 0.01, high: 0.1}\n");
  expect_refused(tune("--trials 2 --metric test.accuracy"), "--metric 'test.accuracy'", study);
  expect_refused(tune("--trials 2 --metric validation.bleu"), "does not compute 'bleu'", study);
  expect_refused(tune("--trials 2 --set seed=3"), "--set seed=3", study);
  expect_refused(tune("--trials 2 --sampler grid"), "'optimizer.lr' needs 'points: N'", study);
  // A study database that is not one.
  std::filesystem::create_directories(study);
  write_text(study + "/study.db", "not a database at all, but long enough to look like a file.............");
  const auto resumed = run_modlr("tune --resume " + study);
  EXPECT_EQ(resumed.exit_code, 1);
  EXPECT_NE(resumed.err.find(study + "/study.db"), std::string::npos) << resumed.err;
}

}  // namespace
}  // namespace modlr::testing
