// Comparing groups: statistics per group, tests per pair, DTW of curves, renderings.
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fake_runs.h"
#include "markdown_rows.h"
#include "modlr/compare/comparison.h"
#include "modlr/compare/format.h"
#include "modlr/core/error.h"

namespace mc = modlr::compare;
namespace mt = modlr::testing;

namespace {

const mc::PairTest& test_of(const mc::Comparison& c, const std::string& metric) {
  for (const auto& t : c.tests)
    if (t.metric == metric) return t;
  throw std::runtime_error("no test of " + metric);
}

}  // namespace

TEST(Comparison, TwoSeparatedGroupsOfFive) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);  // faster, same accuracy
  mt::write_fake_group(dir.file("b"), true, 0.85, 20);
  const auto groups = mc::load_groups({dir.file("a"), dir.file("b")});
  const auto c = mc::compare_groups(groups, true);
  ASSERT_EQ(c.labels, (std::vector<std::string>{"modlr", "pytorch"}));
  // Training seconds 10.1..10.5 vs 20.1..20.5: all separated, exact p = 2/252, delta -1.
  const auto& time = test_of(c, "train.seconds");
  EXPECT_TRUE(time.u.exact);
  EXPECT_DOUBLE_EQ(time.u.p, 2.0 / 252);
  EXPECT_EQ(time.comparisons, 1u);
  EXPECT_DOUBLE_EQ(time.p_corrected, 2.0 / 252);
  EXPECT_EQ(time.delta, -1);
  EXPECT_EQ(time.magnitude, "large");
  // Equal accuracies pairwise: every value tied with one on the other side.
  const auto& accuracy = test_of(c, "test.accuracy");
  EXPECT_FALSE(accuracy.u.exact);
  EXPECT_EQ(accuracy.u.p, 1.0);
  EXPECT_EQ(accuracy.delta, 0);
  EXPECT_EQ(accuracy.magnitude, "negligible");
  EXPECT_THROW(test_of(c, "test.r2"), std::runtime_error);  // classification runs have no R^2
  // Identical curves: DTW 0, paired by seed.
  ASSERT_EQ(c.curves.size(), 1u);
  EXPECT_EQ(c.curves[0].mean_curves, 0);
  EXPECT_EQ(c.curves[0].pairs_max, 0);
  EXPECT_EQ(c.curves[0].pairs, 5u);
  EXPECT_TRUE(c.curves[0].by_seed);
  for (const auto& s : c.stats) {
    if (s.metric == "train.seconds" && s.group == 0) {
      EXPECT_DOUBLE_EQ(s.summary.median, 10.3);
    }
  }
}

TEST(Comparison, BonferroniOverThePairsOfEachMetric) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.80, 10);
  mt::write_fake_group(dir.file("b"), false, 0.85, 20);
  mt::write_fake_group(dir.file("c"), false, 0.90, 30);
  const auto c = mc::compare_groups(mc::load_groups({dir.file("a"), dir.file("b"), dir.file("c")}), true);
  size_t time_tests = 0;
  for (const auto& t : c.tests)
    if (t.metric == "train.seconds") {
      ++time_tests;
      EXPECT_EQ(t.comparisons, 3u);
      EXPECT_DOUBLE_EQ(t.p_corrected, 3 * 2.0 / 252);
    }
  EXPECT_EQ(time_tests, 3u);
  // Curves 0.05 apart at every epoch but the last (0.05 + 0.001 * seed differences).
  ASSERT_EQ(c.curves.size(), 3u);
  EXPECT_GT(c.curves[0].mean_curves, 0.0);
  EXPECT_LE(c.curves[0].mean_curves, 0.05 + 1e-12);
}

TEST(Comparison, DifferentDataSetsAreAnErrorOrANote) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);
  mt::FakeRun mnist;
  mnist.data = "../shared/data/mnist";
  mt::write_fake_run(dir.file("b"), mnist);
  const auto groups = mc::load_groups({dir.file("a"), dir.file("b")});
  try {
    mc::compare_groups(groups, true);
    FAIL() << "expected an error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(fashion-mnist) and"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(mnist) are different workloads (data sets)"), std::string::npos);
  }
  const auto c = mc::compare_groups(groups, false);
  EXPECT_TRUE(c.tests.empty());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("not tested against each other"), std::string::npos);
}

// What practitioners compare: two models (or two settings) on one data set are tested
// against each other, and the groups are named by what differs between their configs.
TEST(Comparison, TwoModelsOnOneDataSetAreTestedAndLabelledByTheDifference) {
  mt::TempDir dir;
  for (int seed = 1; seed <= 5; ++seed) {
    mt::FakeRun lenet5, lenet1;
    lenet5.seed = lenet1.seed = seed;
    lenet5.accuracy = 0.88 + 0.001 * seed;
    lenet1.model = "lenet1";
    lenet1.accuracy = 0.80 + 0.001 * seed;
    mt::write_fake_run(dir.file("runs/lenet5"), lenet5);
    mt::write_fake_run(dir.file("runs/lenet1"), lenet1);
  }
  const auto groups = mc::load_groups({dir.file("runs/lenet5"), dir.file("runs/lenet1")});
  EXPECT_EQ(groups[0].label, "model=lenet5");
  EXPECT_EQ(groups[1].label, "model=lenet1");
  const auto c = mc::compare_groups(groups, /*require_same_workload=*/true);
  EXPECT_TRUE(c.notes.empty());
  EXPECT_EQ(c.models, (std::vector<std::string>{"lenet5", "lenet1"}));
  const auto accuracy =
      std::find_if(c.tests.begin(), c.tests.end(), [](const mc::PairTest& t) { return t.metric == "test.accuracy"; });
  ASSERT_NE(accuracy, c.tests.end());
  // Five runs each, every lenet5 run above every lenet1 run: the exact two-sided p of
  // Mann-Whitney U = 0 is 2 / C(10, 5) = 2 / 252, and Cliff's delta is 1.
  EXPECT_TRUE(accuracy->u.exact);
  EXPECT_NEAR(accuracy->u.p, 2.0 / 252.0, 1e-12);
  EXPECT_DOUBLE_EQ(accuracy->delta, 1.0);
}

TEST(Comparison, UnequalCurveLengthsAcrossGroupsAreAlignedWithANote) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);
  for (int seed = 1; seed <= 5; ++seed) {
    mt::FakeRun run;
    run.seed = seed;
    run.python = true;
    run.train_accuracy = {0.65, 0.80, 0.85, 0.86};
    mt::write_fake_run(dir.file("b"), run);
  }
  const auto c = mc::compare_groups(mc::load_groups({dir.file("a"), dir.file("b")}), true);
  ASSERT_EQ(c.curves.size(), 1u);
  EXPECT_GT(c.curves[0].mean_curves, 0.0);
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("different lengths (3 vs 4 epochs)"), std::string::npos) << c.notes[0];
}

TEST(Format, TextMarkdownAndJson) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);
  mt::write_fake_group(dir.file("b"), true, 0.86, 20);
  const auto c = mc::compare_groups(mc::load_groups({dir.file("a"), dir.file("b")}), true);
  const auto text = mc::format_text(c);
  for (const char* needle : {"per-group statistics", "training seconds", "modlr vs pytorch", "0.0079", "exact", "large",
                             "normalised DTW", "5 (same seed)"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  const auto markdown = mc::format_markdown(c);
  EXPECT_NE(markdown.find("### per-group statistics\n\n| metric | group | n |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| --- |"), std::string::npos);
  const auto j = nlohmann::json::parse(mc::format_json(c));
  EXPECT_EQ(j["groups"].size(), 2u);
  EXPECT_EQ(j["groups"][1]["framework"], "pytorch");
  bool found = false;
  for (const auto& t : j["tests"])
    if (t["metric"] == "train.seconds") {
      found = true;
      EXPECT_DOUBLE_EQ(t["p"].get<double>(), 2.0 / 252);
      EXPECT_EQ(t["magnitude"], "large");
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(j["curves"][0]["pairing"], "seed");
  EXPECT_EQ(j["statistics"][0]["values"].size(), 5u);
  EXPECT_EQ(mc::format_number(NAN), "-");
  EXPECT_EQ(mc::format_number(0.5), "0.5000");
  EXPECT_EQ(mc::format_number(0.0001234), "1.23e-04");
}

TEST(Comparison, NonFiniteCurveMakesTheDistanceUndefinedWithAReason) {
  for (const double bad : {double(NAN), double(INFINITY)}) {
    mt::TempDir dir;
    mt::write_fake_group(dir.file("a"), false, 0.85, 10);
    std::string diverged;
    for (int seed = 1; seed <= 5; ++seed) {
      mt::FakeRun run;
      run.seed = seed;
      run.python = true;
      if (seed == 3) run.train_accuracy = {0.6, bad, bad};  // a diverged run
      const auto run_dir = mt::write_fake_run(dir.file("b"), run);
      if (seed == 3) diverged = run_dir;
    }
    const auto c = mc::compare_groups(mc::load_groups({dir.file("a"), dir.file("b")}), true);
    ASSERT_EQ(c.curves.size(), 1u);
    const auto& d = c.curves[0];
    EXPECT_FALSE(d.defined());
    const std::string what = std::isnan(bad) ? "NaN" : "inf";
    // The directory as load_group found it (canonical), ending in the run's own name.
    EXPECT_NE(d.undefined_reason.find(std::filesystem::path(diverged).filename().string() + ": train/accuracy holds " +
                                      what + " at epoch 2"),
              std::string::npos)
        << d.undefined_reason;
    EXPECT_TRUE(std::isnan(d.mean_curves));
    EXPECT_TRUE(std::isnan(d.pairs_max));
    EXPECT_EQ(d.pairs, 0u);
    EXPECT_FALSE(c.tests.empty());  // the other metrics are still compared
    const std::string shown = "n/a (" + d.undefined_reason + ")";
    EXPECT_NE(mc::format_text(c).find(shown), std::string::npos) << mc::format_text(c);
    EXPECT_NE(mc::format_markdown(c).find("| modlr vs pytorch | n/a ("), std::string::npos);
    const auto j = nlohmann::json::parse(mc::format_json(c));
    EXPECT_TRUE(j["curves"][0]["dtw_mean_curves"].is_null());
    EXPECT_EQ(j["curves"][0]["undefined"], d.undefined_reason);
  }
}

TEST(Format, EscapeMarkdown) {
  EXPECT_EQ(mc::escape_markdown("lenet5 / fashion-mnist"), "lenet5 / fashion-mnist");
  EXPECT_EQ(mc::escape_markdown("a|b"), "a\\|b");
  EXPECT_EQ(mc::escape_markdown("<script>x</script>"), "\\<script\\>x\\</script\\>");
  EXPECT_EQ(mc::escape_markdown("*_`~[l](u)!#&$"), "\\*\\_\\`\\~\\[l\\](u)\\!\\#\\&\\$");
  // Control bytes and bad UTF-8 as escape_text writes them (\xNN, \\), then that backslash
  // escaped for Markdown, so the page shows exactly escape_text's output.
  EXPECT_EQ(mc::escape_markdown("a\nb\x1b[31m\xff\\"), "a\\\\x0ab\\\\x1b\\[31m\\\\xff\\\\\\\\");
  EXPECT_EQ(mc::escape_markdown("accuracy ≥ 0.9"), "accuracy ≥ 0.9");  // UTF-8 as it is
}

TEST(Format, UntrustedStringsAreEscapedInEveryRendering) {
  mt::TempDir dir;
  // A workload (from config.yaml) and a label (from the command line) with a cell
  // separator, raw HTML, a newline and an ESC byte.
  const std::string hostile = "a|<script>alert(1)\n\x1b[31m";
  for (const char* group : {"a", "b"})
    for (int seed = 1; seed <= 5; ++seed) {
      mt::FakeRun run;
      run.seed = seed;
      run.model = "\"m|<b>x</b>\\n\\e[2J\"";  // YAML double-quoted: \n and \e are escapes
      mt::write_fake_run(dir.file(group), run);
    }
  auto groups = mc::load_groups({hostile + "=" + dir.file("a"), "b\xff=" + dir.file("b")});
  ASSERT_EQ(groups[0].label, hostile);
  ASSERT_EQ(groups[0].model(), "m|<b>x</b>\n\x1b[2J");
  const auto c = mc::compare_groups(groups, true);

  const auto markdown = mc::format_markdown(c);
  EXPECT_EQ(markdown.find('\x1b'), std::string::npos);
  EXPECT_EQ(markdown.find("<script>"), std::string::npos);
  EXPECT_EQ(markdown.find("<b>"), std::string::npos);
  EXPECT_NE(markdown.find("| a\\|\\<script\\>alert(1)\\\\x0a\\\\x1b\\[31m | modlr | "
                          "m\\|\\<b\\>x\\</b\\>\\\\x0a\\\\x1b\\[2J | fashion-mnist | 5 |"),
            std::string::npos)
      << markdown;
  // Every row of a table has its header's cells: nothing split a cell or a line.
  size_t rows = 0;
  EXPECT_EQ(mt::ragged_markdown_row(markdown, &rows), "") << markdown;
  EXPECT_GT(rows, 10u);
  EXPECT_EQ(mt::markdown_cells("| a | b\\|c |"), 2u);  // the checker itself
  EXPECT_EQ(mt::ragged_markdown_row("| a | b |\n| --- | --- |\n| x|y | z |\n"), "| x|y | z |");

  const auto text = mc::format_text(c);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("a|<script>alert(1)\\x0a\\x1b[31m"), std::string::npos) << text;
  EXPECT_NE(text.find("b\\xff"), std::string::npos);

  const auto j = nlohmann::json::parse(mc::format_json(c));  // valid UTF-8 despite \xff
  EXPECT_EQ(j["groups"][0]["label"], hostile);               // JSON escapes control characters itself
  EXPECT_EQ(j["groups"][1]["label"], "b\\xff");
  EXPECT_EQ(j["groups"][0]["workload"], groups[0].workload());
  EXPECT_EQ(j["groups"][0]["model"], groups[0].model());
}
