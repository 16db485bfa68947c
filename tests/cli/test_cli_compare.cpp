// `modlr train --seeds`, `modlr compare` and `modlr report` end to end.
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "../compare/fake_runs.h"
#include "../compare/markdown_rows.h"
#include "cli_fixture.h"
#include "modlr/cli/commands.h"
#include "modlr/compare/dtw.h"
#include "modlr/core/error.h"
#include "modlr/run/training_run.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(ParseSeeds, ListsRangesAndErrors) {
  using modlr::parse_seeds;
  EXPECT_EQ(parse_seeds("1,2,3,4,5"), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(parse_seeds("1-5"), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(parse_seeds("10-12,3"), (std::vector<int64_t>{10, 11, 12, 3}));
  EXPECT_EQ(parse_seeds("0-999").size(), modlr::kMaxSeeds);
  // Seeds are >= 0 (as the config's `seed`), and a range is counted before it is walked.
  for (const char* bad :
       {"", "a", "1,,2", "5-1", "1-2-3", "1,1", "1-3,2", "1.5", "-2", "0-1000", "0-9223372036854775807", "5,0-999"})
    EXPECT_THROW(parse_seeds(bad), modlr::Error) << bad;
}

TEST_F(CliTest, TrainSeedsRunsEachSeedInOneGroupThenCompareAndReport) {
  const auto result = train("--seeds 1-2 --set runner.epochs=1 --set dataset.limit=200");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto group_dirs = runs();
  ASSERT_EQ(group_dirs.size(), 1u);
  EXPECT_NE(group_dirs[0].find("/small/group-"), std::string::npos);
  EXPECT_NE(result.out.find("run group: " + runs_dir + "/small/group-"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("(2 of 2 runs finished: 1, 2)"), std::string::npos) << result.out;
  const auto seed_runs = subdirs(group_dirs[0]);
  ASSERT_EQ(seed_runs.size(), 2u);
  EXPECT_EQ(summary_of(seed_runs[0])["seed"], 1);
  EXPECT_EQ(summary_of(seed_runs[1])["seed"], 2);

  // The same seeds with the twin's layout, written directly: compare against them.
  mt::write_fake_group(work.file("other"), true, 0.5, 100);
  auto compared = mt::run_modlr("compare mine=" + group_dirs[0] + " other=" + work.file("other") + " --format json");
  ASSERT_EQ(compared.exit_code, 1);  // fake runs are lenet5 on fashion-mnist, ours on "data"
  EXPECT_NE(compared.err.find("are different workloads"), std::string::npos) << compared.err;
  compared = mt::run_modlr("compare mine=" + group_dirs[0] + " other=" + work.file("other") +
                           " --format json --allow-mixed-workloads");
  ASSERT_EQ(compared.exit_code, 0) << compared.err;
  const auto j = nlohmann::json::parse(compared.out);
  EXPECT_EQ(j["groups"][0]["label"], "mine");
  EXPECT_EQ(j["groups"][0]["runs"], 2);
  EXPECT_EQ(j["groups"][0]["workload"], "data");
  EXPECT_EQ(j["groups"][0]["model"], "lenet5");
  EXPECT_TRUE(j["tests"].empty());

  const auto report =
      mt::run_modlr("report " + group_dirs[0] + " " + work.file("other") + " --out " + work.file("report"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("report: " + work.file("report") + "/index.html"), std::string::npos);
  EXPECT_NE(report.err.find("not tested against each other"), std::string::npos);
  for (const char* file : {"index.html", "comparison.json", "comparison.md"})
    EXPECT_TRUE(mt::exists(work.file("report/") + file)) << file;
}

TEST_F(CliTest, CompareTwoGroupsAsTableMarkdownAndJson) {
  mt::write_fake_group(work.file("a"), false, 0.85, 10);
  mt::write_fake_group(work.file("b"), true, 0.85, 20);
  const auto args = "compare " + work.file("a") + " '" + work.file("b") + "/*-python'";
  const auto table = mt::run_modlr(args);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("training seconds +modlr vs pytorch +0\\.0 +0\\.0079 +exact")))
      << table.out;
  for (const char* needle : {"large", "5 (same seed)"})
    EXPECT_NE(table.out.find(needle), std::string::npos) << needle << "\n" << table.out;
  const auto markdown =
      mt::run_modlr(args + " --format markdown --json " + work.file("c.json") + " --markdown " + work.file("c.md"));
  ASSERT_EQ(markdown.exit_code, 0) << markdown.err;
  EXPECT_NE(markdown.out.find("| training seconds | modlr vs pytorch | 0.0 | 0.0079 | exact |"), std::string::npos)
      << markdown.out;
  EXPECT_EQ(mt::read_text(work.file("c.md")), markdown.out);
  EXPECT_EQ(nlohmann::json::parse(mt::read_text(work.file("c.json")))["curves"][0]["dtw_mean_curves"], 0.0);
}

TEST_F(CliTest, CompareBadInputIsOneClearError) {
  std::filesystem::create_directories(work.file("empty"));
  auto r = mt::run_modlr("compare " + work.file("empty") + " " + work.file("empty"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "modlr: error: " + work.file("empty") +
                       ": no runs found (no directory with a summary.json "
                       "there or up to three levels below)\n");
  // Every seed fails (no data): the group holds only failed runs.
  r = train("--seeds 1,2 --set dataset.path=" + work.file("nowhere"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("seeds 1, 2 failed"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("(0 of 2 runs finished: none)"), std::string::npos) << r.out;
  r = mt::run_modlr("compare " + runs().front() + " " + runs().front());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no finished runs among 2 (first: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run failed ("), std::string::npos) << r.err;
  r = train("--seeds 1-2 --set seed=3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--seeds and --set seed=3 both set the seed"), std::string::npos) << r.err;
  r = train("--seeds 2-1");
  EXPECT_NE(r.err.find("expected seeds >= 0 and ranges like 1,2,3 or 1-5, got '2-1'"), std::string::npos) << r.err;
}

TEST_F(CliTest, HelpForCompareAndReport) {
  for (const std::string command : {"compare", "report"}) {
    const auto result = mt::run_modlr(command + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("groups"), std::string::npos) << result.out;
  }
  EXPECT_NE(mt::run_modlr("compare --help").out.find("--allow-mixed-workloads"), std::string::npos);
  EXPECT_NE(mt::run_modlr("report --help").out.find("--out"), std::string::npos);
  EXPECT_NE(mt::run_modlr("train --help").out.find("--seeds"), std::string::npos);
  EXPECT_NE(mt::run_modlr("report " + work.path()).exit_code, 0);  // --out is required
}

TEST_F(CliTest, CompareCurveWithNaNShowsTheDistanceUndefined) {
  mt::write_fake_group(work.file("a"), false, 0.85, 10);
  for (int seed = 1; seed <= 5; ++seed) {
    mt::FakeRun run;
    run.seed = seed;
    run.python = true;
    if (seed == 3) run.train_accuracy = {0.6, NAN, NAN};  // a diverged run
    mt::write_fake_run(work.file("b"), run);
  }
  const auto args = "compare " + work.file("a") + " " + work.file("b");
  const auto table = mt::run_modlr(args);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("modlr vs pytorch +n/a \\("))) << table.out;
  EXPECT_NE(table.out.find("20250101-000000-seed3-python: train/accuracy holds NaN at epoch 2)"), std::string::npos)
      << table.out;
  const auto markdown = mt::run_modlr(args + " --format markdown --json " + work.file("c.json"));
  ASSERT_EQ(markdown.exit_code, 0) << markdown.err;
  EXPECT_NE(markdown.out.find("| modlr vs pytorch | n/a ("), std::string::npos) << markdown.out;
  const auto j = nlohmann::json::parse(mt::read_text(work.file("c.json")));
  EXPECT_TRUE(j["curves"][0]["dtw_mean_curves"].is_null());
  EXPECT_NE(j["curves"][0]["undefined"].get<std::string>().find("holds NaN at epoch 2"), std::string::npos);
}

TEST_F(CliTest, CompareCurveOverTheLimitIsOneLineErrorNamingTheFile) {
  const auto run_dir = mt::write_fake_run(work.file("long"), mt::FakeRun{});
  std::string csv = "epoch,split,metric,value\n";
  for (size_t e = 1; e <= modlr::compare::kMaxCurvePoints + 1; ++e) csv += std::to_string(e) + ",train,accuracy,0.5\n";
  mt::write_text(run_dir + "/metrics.csv", csv);
  const auto r = mt::run_modlr("compare " + work.file("long") + " " + work.file("long"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(mt::count(r.err, "\n"), 1u) << r.err;
  EXPECT_NE(r.err.find("seed1/metrics.csv:100002: curve 'train/accuracy' has more than 100000 "
                       "points, the limit for one curve"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, CompareAndReportEscapeUntrustedTextInMarkdownAndOnTheTerminal) {
  for (const bool python : {false, true})
    for (int seed = 1; seed <= 3; ++seed) {
      mt::FakeRun run;
      run.seed = seed;
      run.python = python;
      run.model = "\"m|<b>x</b>\\n\\e[2J\"";  // YAML double-quoted: a newline and ESC
      mt::write_fake_run(work.file(python ? "b" : "a"), run);
    }
  // A label with a cell separator, raw HTML, a newline and an ESC byte, single-quoted for
  // the shell (which passes both bytes through).
  const std::string label = "x|<script>alert(1)\n\x1b[31m";
  const auto args = "'" + label + "=" + work.file("a") + "' " + work.file("b");
  const auto printed = mt::run_modlr("compare " + args + " --format markdown");
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const auto report = mt::run_modlr("report " + args + " --out " + work.file("report"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  for (const auto& markdown : {printed.out, mt::read_text(work.file("report/comparison.md"))}) {
    EXPECT_EQ(markdown.find('\x1b'), std::string::npos);
    EXPECT_EQ(markdown.find("<script>"), std::string::npos);
    EXPECT_EQ(markdown.find("<b>"), std::string::npos);
    EXPECT_NE(markdown.find("| x\\|\\<script\\>alert(1)\\\\x0a\\\\x1b\\[31m | modlr | "
                            "m\\|\\<b\\>x\\</b\\>\\\\x0a\\\\x1b\\[2J | fashion-mnist | 3 |"),
              std::string::npos)
        << markdown;
    size_t rows = 0;  // every row keeps its table's column count
    EXPECT_EQ(mt::ragged_markdown_row(markdown, &rows), "") << markdown;
    EXPECT_GT(rows, 10u);
  }
  const auto table = mt::run_modlr("compare " + args);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
  EXPECT_NE(table.out.find("x|<script>alert(1)\\x0a\\x1b[31m"), std::string::npos) << table.out;
}

namespace {

// Two settings of one workload, trained for real: compared without any flag, tested
// against each other, and named by the setting that differs.
TEST_F(CliTest, CompareTwoSettingsOnOneDataSetTestsThemAndNamesTheDifference) {
  const std::string common = "--seeds 1-2 --set runner.epochs=1 --set dataset.limit=200";
  ASSERT_EQ(train(common).exit_code, 0);
  ASSERT_EQ(train(common + " --set optimizer.lr=0.01").exit_code, 0);
  const auto groups = runs();
  ASSERT_EQ(groups.size(), 2u);
  const auto compared = mt::run_modlr("compare " + groups[0] + " " + groups[1] + " --format json");
  ASSERT_EQ(compared.exit_code, 0) << compared.err;
  const auto j = nlohmann::json::parse(compared.out);
  EXPECT_EQ(j["groups"][0]["label"], "optimizer.lr=0.05");
  EXPECT_EQ(j["groups"][1]["label"], "optimizer.lr=0.01");
  EXPECT_FALSE(j["tests"].empty());
  EXPECT_EQ(compared.err.find("not tested"), std::string::npos) << compared.err;
}

}  // namespace
