// Loading groups of runs from directories and globs, and the errors for bad groups.
#include <gtest/gtest.h>

#include "fake_runs.h"
#include "modlr/compare/dtw.h"
#include "modlr/compare/run_group.h"
#include "modlr/core/error.h"

namespace mc = modlr::compare;
namespace mt = modlr::testing;

namespace {

std::string group_error(const std::string& spec) {
  try {
    mc::load_group(spec);
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(RunGroup, LoadsRunsFromADirectoryTreeOrderedBySeed) {
  mt::TempDir dir;
  for (int seed : {3, 1, 2}) {
    mt::FakeRun run;
    run.seed = seed;
    mt::write_fake_run(dir.file("fake/group-1"), run);
  }
  for (const auto& spec : {dir.path(), dir.file("fake"), dir.file("fake/group-1")}) {
    const auto g = mc::load_group(spec);
    ASSERT_EQ(g.runs.size(), 3u) << spec;
    EXPECT_EQ(g.runs[0].seed, 1);
    EXPECT_EQ(g.runs[2].seed, 3);
  }
  const auto run = mc::load_group(dir.path()).runs[0];
  EXPECT_EQ(run.framework, "modlr");
  EXPECT_EQ(run.workload, "fashion-mnist");  // the data set
  EXPECT_EQ(run.model, "lenet5");
  EXPECT_EQ(run.config.at("model.name"), "lenet5");
  EXPECT_EQ(run.config.at("dataset.path"), "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(run.epochs, 3);
  EXPECT_DOUBLE_EQ(run.values.at("test.accuracy"), 0.85);
  EXPECT_DOUBLE_EQ(run.values.at("train.seconds"), 10);
  EXPECT_EQ(run.curves.at("train/accuracy").values, (std::vector<double>{0.6, 0.75, 0.8}));
  EXPECT_EQ(run.curves.at("train/accuracy").epochs, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(run.environment.at("threads"), "1");
}

TEST(RunGroup, GlobsAndLabels) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("runs"), false, 0.85, 10);
  mt::write_fake_group(dir.file("runs"), true, 0.85, 20);
  const auto twin = mc::load_group("twin=" + dir.file("runs/*-python"));
  EXPECT_EQ(twin.label, "twin");
  ASSERT_EQ(twin.runs.size(), 5u);
  EXPECT_EQ(twin.framework(), "pytorch");
  auto groups = mc::load_groups({dir.file("runs/*seed?"), dir.file("runs/*-python")});
  EXPECT_EQ(groups[0].runs.size(), 5u);
  EXPECT_EQ(groups[0].label, "modlr");  // the framework tells the groups apart
  EXPECT_EQ(groups[1].label, "pytorch");
  groups = mc::load_groups({dir.file("runs/*seed?"), dir.file("runs/*seed[12]")});
  EXPECT_EQ(groups[1].label, dir.file("runs/*seed[12]"));  // same framework: the spec
}

TEST(RunGroup, FailedAndUnfinishedRunsAreSkippedWithAMessage) {
  mt::TempDir dir;
  mt::write_fake_group(dir.path(), false, 0.85, 10);
  mt::FakeRun failed;
  failed.seed = 9;
  failed.status = "failed";
  mt::write_fake_run(dir.path(), failed);
  std::filesystem::create_directories(dir.file("killed"));
  mt::write_text(dir.file("killed/metrics.csv"), "epoch,split,metric,value\n");
  const auto g = mc::load_group(dir.path());
  EXPECT_EQ(g.runs.size(), 5u);
  ASSERT_EQ(g.skipped.size(), 2u);
  EXPECT_NE(g.skipped[0].find("run failed (loss is NaN at epoch 2), skipped"), std::string::npos) << g.skipped[0];
  EXPECT_NE(g.skipped[1].find("killed: no summary.json"), std::string::npos) << g.skipped[1];
}

TEST(RunGroup, BadGroupsAreErrorsNamingTheGroup) {
  mt::TempDir dir;
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_NE(group_error(dir.file("empty")).find("empty: no runs found"), std::string::npos)
      << group_error(dir.file("empty"));
  EXPECT_NE(group_error(dir.file("missing")).find("the path does not exist"), std::string::npos);
  EXPECT_NE(group_error(dir.file("nothing-*")).find("no runs found"), std::string::npos);

  mt::FakeRun failed;
  failed.status = "failed";
  mt::write_fake_run(dir.file("all-failed"), failed);
  EXPECT_NE(group_error(dir.file("all-failed")).find("no finished runs among 1"), std::string::npos)
      << group_error(dir.file("all-failed"));

  mt::FakeRun lenet, mlp;
  mlp.seed = 2;
  mlp.model = "mlp";
  mt::write_fake_run(dir.file("mixed"), lenet);
  mt::write_fake_run(dir.file("mixed"), mlp);
  EXPECT_NE(group_error(dir.file("mixed")).find("mixes models"), std::string::npos) << group_error(dir.file("mixed"));
  EXPECT_NE(group_error(dir.file("mixed")).find(" is mlp"), std::string::npos);
  mt::FakeRun mnist;
  mnist.seed = 2;
  mnist.data = "../shared/data/mnist";
  mt::write_fake_run(dir.file("two-data-sets"), lenet);
  mt::write_fake_run(dir.file("two-data-sets"), mnist);
  EXPECT_NE(group_error(dir.file("two-data-sets")).find("mixes workloads (data sets)"), std::string::npos)
      << group_error(dir.file("two-data-sets"));
  EXPECT_NE(group_error(dir.file("two-data-sets")).find(" is mnist"), std::string::npos);

  mt::FakeRun short_run;
  short_run.seed = 2;
  short_run.train_accuracy = {0.5, 0.6};
  mt::write_fake_run(dir.file("lengths"), lenet);
  mt::write_fake_run(dir.file("lengths"), short_run);
  EXPECT_NE(group_error(dir.file("lengths")).find("training curves of different lengths"), std::string::npos)
      << group_error(dir.file("lengths"));

  const auto bad = mt::write_fake_run(dir.file("bad-json"), lenet);
  mt::write_text(bad + "/summary.json", "{\"experiment\": ");
  EXPECT_NE(group_error(dir.file("bad-json")).find("summary.json: not a run summary"), std::string::npos);
  const auto bad_csv = mt::write_fake_run(dir.file("bad-csv"), lenet);
  mt::write_text(bad_csv + "/metrics.csv", "epoch,split,metric,value\n1,train,accuracy,abc\n");
  EXPECT_NE(group_error(dir.file("bad-csv")).find("metrics.csv:2: not a number"), std::string::npos)
      << group_error(dir.file("bad-csv"));
  // Trailing bytes after a number are not a number either (std::stod would read 0.5).
  const auto trailing = mt::write_fake_run(dir.file("trailing-csv"), lenet);
  mt::write_text(trailing + "/metrics.csv", "epoch,split,metric,value\n1,train,accuracy,0.5abc\n");
  EXPECT_NE(group_error(dir.file("trailing-csv")).find("metrics.csv:2: not a number in '1,train,accuracy,0.5abc'"),
            std::string::npos)
      << group_error(dir.file("trailing-csv"));
}

TEST(RunGroup, CurveOverTheLimitIsOneErrorNamingTheFileAndTheCurve) {
  mt::TempDir dir;
  const auto write_curve = [](const std::string& run_dir, size_t points) {
    std::string csv = "epoch,split,metric,value\n";
    for (size_t e = 1; e <= points; ++e) csv += std::to_string(e) + ",train,accuracy,0.5\n";
    mt::write_text(run_dir + "/metrics.csv", csv);
  };
  const auto at_limit = mt::write_fake_run(dir.file("at-limit"), mt::FakeRun{});
  write_curve(at_limit, mc::kMaxCurvePoints);
  EXPECT_EQ(mc::load_run(at_limit).curves.at("train/accuracy").values.size(), mc::kMaxCurvePoints);

  const auto over = mt::write_fake_run(dir.file("over"), mt::FakeRun{});
  write_curve(over, mc::kMaxCurvePoints + 1);
  std::string message = "(no error)";
  try {
    mc::load_run(over);
  } catch (const modlr::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, over + "/metrics.csv:" + std::to_string(mc::kMaxCurvePoints + 2) +
                         ": curve 'train/accuracy' has more than 100000 points, the limit for "
                         "one curve (modlr::compare::kMaxCurvePoints)");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_NE(group_error(dir.file("over")).find("/metrics.csv:100002: curve 'train/accuracy' has more"),
            std::string::npos);
}

// A run directory is untrusted: a config.yaml of nested aliases (a few lines that expand to
// billions of values) or an oversized one is one error naming it, not a hang.
TEST(RunGroup, HostileConfigYamlIsOneErrorNamingIt) {
  mt::TempDir dir;
  const auto run_dir = mt::write_fake_run(dir.path(), mt::FakeRun{});
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 9; ++level) {
    const auto previous = "*a" + std::to_string(level - 1);
    bomb += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " {";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", k" : "k") + std::to_string(i) + ": " + previous;
    bomb += "}\n";
  }
  mt::write_text(run_dir + "/config.yaml", bomb);
  try {
    mc::load_run(run_dir);
    ADD_FAILURE() << "the alias bomb was read";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find(run_dir + "/config.yaml: more than 100000 values"), std::string::npos)
        << e.what();
  }
  mt::write_text(run_dir + "/config.yaml", "model: {name: x}\n# " + std::string(2 << 20, 'x') + "\n");
  try {
    mc::load_run(run_dir);
    ADD_FAILURE() << "an oversized config.yaml was read";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than a config holds"), std::string::npos) << e.what();
  }
}
