// Filters, sorting, columns and config diffs over indexed runs (compare/run_query.h).
#include <gtest/gtest.h>

#include "modlr/compare/run_query.h"
#include "modlr/core/error.h"

namespace modlr::compare {
namespace {

IndexedRun query_run(const std::string& id, double accuracy, const std::string& lr, const std::string& model) {
  IndexedRun run;
  run.dir = "/runs/exp/" + id;
  run.run_id = id;
  run.status = "finished";
  run.values = {{"test.accuracy", accuracy}};
  run.config = {{"optimizer.lr", lr}, {"model.name", model}, {"seed", id}, {"tracking.dir", "/runs"}};
  return run;
}

std::vector<IndexedRun> three_runs() {
  return {query_run("a", 0.9, "0.05", "lenet5"), query_run("b", 0.8, "0.02", "lenet5"),
          query_run("c", 0.95, "0.05", "lenet1")};
}

std::string query_error(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RunFilter, ComparesNumbersAsNumbersAndTextAsText) {
  const auto runs = three_runs();
  const auto count = [&](const std::string& text) {
    const auto filter = RunFilter::parse(text);
    return std::count_if(runs.begin(), runs.end(), [&](const IndexedRun& r) { return filter.matches(r); });
  };
  EXPECT_EQ(count("test.accuracy>0.85"), 2);
  EXPECT_EQ(count("test.accuracy >= 0.9"), 2);
  EXPECT_EQ(count("test.accuracy<0.9"), 1);
  EXPECT_EQ(count("optimizer.lr=0.05"), 2);
  EXPECT_EQ(count("optimizer.lr==5e-2"), 2);  // as numbers
  EXPECT_EQ(count("model.name!=lenet5"), 1);
  EXPECT_EQ(count("model.name>lenet"), 0);  // no order between texts
  EXPECT_EQ(count("status=finished"), 3);
  EXPECT_EQ(count("nothing=1"), 0);
}

TEST(RunFilter, MalformedFiltersAndUnknownKeysAreNamed) {
  EXPECT_NE(query_error([] { RunFilter::parse("test.accuracy"); }).find("--where 'test.accuracy': no comparison"),
            std::string::npos);
  EXPECT_NE(query_error([] { RunFilter::parse(">0.5"); }).find("needs KEY OP VALUE"), std::string::npos);
  const auto message = query_error([] { check_key_exists(three_runs(), "test.acuracy", "--where 'x'"); });
  EXPECT_NE(message.find("no run has a key 'test.acuracy' (did you mean 'test.accuracy'?)"), std::string::npos)
      << message;
  check_key_exists(three_runs(), "model.name", "--sort");
}

TEST(SortRuns, AscendingDescendingAndMissingLast) {
  auto runs = three_runs();
  runs.push_back(query_run("d", 0, "0.1", "mlp"));
  runs.back().values.clear();
  sort_runs(runs, "-test.accuracy");
  EXPECT_EQ(runs[0].run_id, "c");
  EXPECT_EQ(runs[1].run_id, "a");
  EXPECT_EQ(runs[2].run_id, "b");
  EXPECT_EQ(runs[3].run_id, "d");
  sort_runs(runs, "test.accuracy");
  EXPECT_EQ(runs[0].run_id, "b");
  EXPECT_EQ(runs[3].run_id, "d");
}

TEST(RunsTable, ShowsTheKeysThatDifferAligned) {
  const auto runs = three_runs();
  EXPECT_EQ(differing_config_keys(runs, 4), (std::vector<std::string>{"model.name", "optimizer.lr"}));
  EXPECT_EQ(runs_table(runs, {"optimizer.lr", "test.accuracy"}, "/runs"),
            "run    status    optimizer.lr  test.accuracy\n"
            "exp/a  finished  0.05          0.9\n"
            "exp/b  finished  0.02          0.8\n"
            "exp/c  finished  0.05          0.95\n");
}

TEST(ConfigDiff, ListsOnlyWhatDiffers) {
  const auto runs = three_runs();
  EXPECT_EQ(config_diff(runs[0], runs[2]),
            "key         a       c\n"
            "model.name  lenet5  lenet1\n"
            "seed        a       c\n"
            "2 other key(s) equal\n");
}

}  // namespace
}  // namespace modlr::compare
