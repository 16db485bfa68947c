#pragma once
/// The `modlr` subcommands. Each returns the process exit code: 0 on success, 1 on a
/// modlr::Error (printed as one line "modlr: error: ..." on stderr).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace modlr::cli {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;  ///< "section.key=value"
  /// "1,2,3", "1-5" or a mix ("1-3,7"); empty: one run with the config's seed.
  std::string seeds;
};
/// Trains, tests and writes the run record. A failure after the run directory exists
/// leaves summary.json with "status": "failed" and the error.
///
/// With `seeds`, runs the experiment once per seed (each its own run record, seed set as
/// by `--set seed=N`) under one group directory <tracking.dir>/<experiment>/group-<UTC
/// time>/, printed at the end: that directory is the group `modlr compare` takes. A seed
/// that fails does not stop the others; the exit code is 1 if any failed.
int train(const TrainArgs& args);

/// The seeds of a `--seeds` value, in order. Throws modlr::Error on a malformed list, a
/// reversed range or a repeated seed.
std::vector<int64_t> parse_seeds(const std::string& text);

struct CompareArgs {
  std::vector<std::string> groups;  ///< directories or quoted globs, optionally LABEL=...
  std::string format = "table";     ///< table | markdown | json (stdout)
  std::string json_out, markdown_out;  ///< also write these files, if set
  bool allow_mixed_workloads = false;
};
/// Loads each group, compares them (compare/comparison.h) and prints the result.
/// Skipped runs are listed as notes. Errors: a group with no (finished) runs, mixed
/// workloads or curve lengths inside a group, groups of different workloads (unless
/// allowed).
int compare(const CompareArgs& args);

struct ReportArgs {
  std::vector<std::string> groups;
  std::string out_dir;   ///< receives index.html (self-contained) and comparison.json
  std::string title = "modlr report";
};
/// Writes the HTML report (report/html_report.h) for the groups; groups of different
/// workloads are allowed (each workload gets its own curves; tests only within one).
int report(const ReportArgs& args);

struct EvalArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;
  std::string split = "test";  ///< test | validation | train
};
/// Loads a checkpoint into the configured model(s) and prints the split's metrics.
int eval(const EvalArgs& args);

struct SummaryArgs {
  std::string config;
  std::vector<std::string> overrides;
};
/// Prints each layer's output shape and parameter count from one dry-run batch.
int summary(const SummaryArgs& args);

/// Runs `body`, turning exceptions into one-line errors and exit code 1.
int guarded(const std::function<int()>& body);
/// One line describing `e` (torch errors lose their backtraces).
std::string describe_error(const std::exception& e);

}  // namespace modlr::cli
