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
};
/// Trains, tests and writes the run record. A failure after the run directory exists
/// leaves summary.json with "status": "failed" and the error.
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
