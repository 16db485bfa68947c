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
  std::string save_outputs;    ///< if set: safetensors file with input, output, target
};
/// Loads a checkpoint (.pt or .safetensors) into the configured model(s) and prints the
/// split's metrics. With save_outputs, also runs the model over the split once more
/// (evaluation mode, eval_batch_size) timing only the forward passes, prints
/// "inference_seconds", and writes the split's "input", the model's "output" and the
/// "target" tensors there (for comparisons with PyTorch and ONNX Runtime).
int eval(const EvalArgs& args);

struct SummaryArgs {
  std::string config;
  std::vector<std::string> overrides;
};
/// Prints each layer's output shape and parameter count from one dry-run batch.
int summary(const SummaryArgs& args);

struct ExportArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;   ///< weights to export (.pt or .safetensors)
  std::string onnx;         ///< if set: write the ONNX model here
  std::string safetensors;  ///< if set: write the weights here in safetensors
};
/// Exports a checkpoint's model as ONNX and/or its weights as safetensors. The example
/// shape for ONNX comes from the configured dataset's test split. Everything is built and
/// checked before the first file is written; each file is written atomically.
int export_model(const ExportArgs& args);

/// Runs `body`, turning exceptions into one-line errors and exit code 1.
int guarded(const std::function<int()>& body);
/// One line describing `e` (torch errors lose their backtraces).
std::string describe_error(const std::exception& e);

}  // namespace modlr::cli
