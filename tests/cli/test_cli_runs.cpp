// `modlr runs`: the index kept by `modlr train`, listed, filtered, sorted and diffed.
#include <fstream>

#include "cli/cli_fixture.h"

namespace modlr::testing {
namespace {

class RunsCli : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_EQ(train("--set runner.epochs=1 --set optimizer.lr=0.05").exit_code, 0);
    ASSERT_EQ(train("--set runner.epochs=1 --set optimizer.lr=0.02").exit_code, 0);
  }
};

TEST_F(RunsCli, TrainKeepsTheIndexAndRunsListsFiltersAndSorts) {
  EXPECT_TRUE(exists(runs_dir + "/index.db"));  // noted by train
  const auto all = run_modlr("runs " + runs_dir);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("optimizer.lr"), std::string::npos) << all.out;  // the key that differs
  EXPECT_NE(all.out.find("test.accuracy"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("2 run(s)"), std::string::npos) << all.out;

  const auto filtered = run_modlr("runs " + runs_dir + " --where 'optimizer.lr>0.03' --json");
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  const auto kept = nlohmann::json::parse(filtered.out);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]["config"]["optimizer.lr"], "0.05");
  EXPECT_EQ(kept[0]["dir"], runs()[0]);

  const auto sorted = nlohmann::json::parse(run_modlr("runs " + runs_dir + " --sort -test.accuracy --json").out);
  ASSERT_EQ(sorted.size(), 2u);
  const double first = summary_of(sorted[0]["dir"])["test"]["accuracy"];
  const double second = summary_of(sorted[1]["dir"])["test"]["accuracy"];
  EXPECT_GE(first, second);
  EXPECT_EQ(sorted[0]["values"]["test.accuracy"].get<double>(), first);
}

TEST_F(RunsCli, DiffShowsTwoResolvedConfigsSideBySide) {
  const auto run_dirs = runs();
  const auto diff = run_modlr("runs " + runs_dir + " --diff " + run_dirs[0] + " " + run_dirs[1]);
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("optimizer.lr"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("0.05"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("0.02"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("other key(s) equal"), std::string::npos) << diff.out;
  EXPECT_EQ(diff.out.find("runner.epochs"), std::string::npos) << diff.out;  // equal: not listed
}

TEST_F(RunsCli, TheIndexFollowsTheDirectories) {
  std::filesystem::remove_all(runs()[0]);
  auto listed = nlohmann::json::parse(run_modlr("runs " + runs_dir + " --json").out);
  EXPECT_EQ(listed.size(), 1u);
  // A run that could not note itself (killed before its summary) is listed as unfinished.
  std::filesystem::create_directories(runs_dir + "/small/20990101-000000-seed1");
  write_text(runs_dir + "/small/20990101-000000-seed1/config.yaml", "seed: 1\n");
  listed = nlohmann::json::parse(run_modlr("runs " + runs_dir + " --json").out);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1]["status"], "unfinished");
}

TEST_F(RunsCli, BadQueriesAndABadIndexAreOneLine) {
  auto result = run_modlr("runs " + runs_dir + " --where 'test.acuracy>0.5'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("did you mean 'test.accuracy'"), std::string::npos) << result.err;
  result = run_modlr("runs " + runs_dir + " --diff nope " + runs()[0]);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no run 'nope'"), std::string::npos) << result.err;
  std::filesystem::remove(runs_dir + "/index.db-wal");
  std::filesystem::remove(runs_dir + "/index.db-shm");
  write_text(runs_dir + "/index.db", "garbage that is not an SQLite database, long enough to be read as a header.");
  result = run_modlr("runs " + runs_dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(runs_dir + "/index.db"), std::string::npos) << result.err;
  // Training goes on with a warning: the index is a cache, never the run's only record.
  const auto trained = train("--set runner.epochs=1");
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.err.find("warning: the run index was not updated"), std::string::npos) << trained.err;
}

}  // namespace
}  // namespace modlr::testing
