// `modlr runs`: the run index (compare/run_index.h) listed, filtered and sorted, or two
// runs' configs side by side (compare/run_query.h).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "modlr/cli/commands.h"
#include "modlr/compare/run_query.h"
#include "modlr/core/error.h"

namespace modlr::cli {
namespace {

using compare::IndexedRun;

// A run named on the command line: its directory, or its run id among the indexed runs.
const IndexedRun& find_run(const std::vector<IndexedRun>& runs, const std::string& name) {
  const auto dir = std::filesystem::weakly_canonical(name).string();
  for (const auto& run : runs)
    if (run.dir == dir || run.run_id == name) return run;
  throw Error("--diff: no run '" + name + "' (give a run directory or a run id listed by modlr runs)");
}

// Default columns: the config keys that tell the runs apart, then the headline results.
std::vector<std::string> default_columns(const std::vector<IndexedRun>& runs) {
  auto columns = compare::differing_config_keys(runs, 4);
  for (const char* key : {"test.accuracy", "test.r2", "test.loss", "train.seconds"}) {
    const bool any = std::any_of(runs.begin(), runs.end(), [&](const IndexedRun& r) { return r.values.count(key); });
    if (any && (std::string(key) != "test.loss" || columns.size() < 6)) columns.emplace_back(key);
  }
  return columns;
}

nlohmann::json runs_json(const std::vector<IndexedRun>& runs) {
  auto out = nlohmann::json::array();
  for (const auto& run : runs)
    out.push_back({{"dir", run.dir},
                   {"run_id", run.run_id},
                   {"experiment", run.experiment},
                   {"status", run.status},
                   {"error", run.error},
                   {"seed", run.seed},
                   {"epochs", run.epochs},
                   {"values", run.values},
                   {"config", run.config}});
  return out;
}

std::vector<std::string> split_columns(const std::string& text) {
  std::vector<std::string> columns;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');)
    if (!item.empty()) columns.push_back(item);
  return columns;
}

int list_runs(const RunsArgs& args) {
  auto runs = compare::RunIndex::open(args.dir).refresh();
  for (const auto& text : args.where) {
    const auto filter = compare::RunFilter::parse(text);
    compare::check_key_exists(runs, filter.key, "--where '" + text + "'");
    runs.erase(std::remove_if(runs.begin(), runs.end(), [&](const IndexedRun& r) { return !filter.matches(r); }),
               runs.end());
  }
  if (!args.sort.empty()) {
    compare::check_key_exists(runs, args.sort[0] == '-' ? args.sort.substr(1) : args.sort, "--sort");
    compare::sort_runs(runs, args.sort);
  }
  if (args.limit > 0 && runs.size() > static_cast<size_t>(args.limit)) runs.resize(static_cast<size_t>(args.limit));
  if (args.json) {
    std::cout << runs_json(runs).dump(2) << std::endl;
    return 0;
  }
  const auto columns = args.columns.empty() ? default_columns(runs) : split_columns(args.columns);
  std::cout << compare::runs_table(runs, columns, args.dir) << runs.size() << " run(s)" << std::endl;
  return 0;
}

}  // namespace

int runs(const RunsArgs& args) {
  return guarded([&] {
    if (args.diff.empty()) return list_runs(args);
    if (args.diff.size() != 2) throw Error("--diff takes two runs");
    const auto runs = compare::RunIndex::open(args.dir).refresh();
    std::cout << compare::config_diff(find_run(runs, args.diff[0]), find_run(runs, args.diff[1]));
    return 0;
  });
}

}  // namespace modlr::cli
