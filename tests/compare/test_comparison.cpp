// Comparing groups: statistics per group, tests per pair, DTW of curves, renderings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_runs.h"
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
  const auto c =
      mc::compare_groups(mc::load_groups({dir.file("a"), dir.file("b"), dir.file("c")}), true);
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

TEST(Comparison, DifferentWorkloadsAreAnErrorOrANote) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);
  mt::FakeRun mlp;
  mlp.model = "mlp";
  mt::write_fake_run(dir.file("b"), mlp);
  const auto groups = mc::load_groups({dir.file("a"), dir.file("b")});
  try {
    mc::compare_groups(groups, true);
    FAIL() << "expected an error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(lenet5 / fashion-mnist) and"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("(mlp / fashion-mnist) are different workloads"),
              std::string::npos);
  }
  const auto c = mc::compare_groups(groups, false);
  EXPECT_TRUE(c.tests.empty());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("not tested against each other"), std::string::npos);
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
  for (const char* needle : {"per-group statistics", "training seconds", "modlr vs pytorch",
                             "0.0079", "exact", "large", "normalised DTW", "5 (same seed)"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  const auto markdown = mc::format_markdown(c);
  EXPECT_NE(markdown.find("### per-group statistics\n\n| metric | group | n |"), std::string::npos)
      << markdown;
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
