#pragma once
/// The `modlr` subcommands. Each returns the process exit code: 0 on success, 1 on a
/// modlr::Error (printed as one line "modlr: error: ..." on stderr).
#include <functional>
#include <string>
#include <vector>

namespace modlr::cli {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;  ///< "section.key=value"
  std::string resume;                  ///< a run directory to continue ("" = a new run)
};
/// Trains, tests and writes the run record. A failure after the run directory exists
/// leaves summary.json with "status": "failed" and the error. SIGINT/SIGTERM stop at the
/// next batch end with a checkpoint and "status": "interrupted" (exit 130 / 143); such a
/// run, or one that was killed, continues with `resume` from its latest checkpoint.
int train(const TrainArgs& args);

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
