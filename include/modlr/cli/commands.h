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
  std::string resume;                  ///< a run directory to continue ("" = a new run)
  /// "1,2,3", "1-5" or a mix ("1-3,7"); empty: one run with the config's seed.
  std::string seeds;
  /// Data-parallel launch (distributed/launch.h): ranks on this host, hosts, this host's
  /// index, and rank 0's HOST:PORT ("" = this host, a free port). nproc > 0 (given) or
  /// nnodes > 1 makes this process the launcher of its host's ranks; `--nproc 1` is a
  /// one-rank job, which runs the distributed code path (a backend check).
  int nproc = 0;
  int nnodes = 1;
  int node_rank = 0;
  std::string master;
  /// Set by `modlr tune` for its trial runs (tune/trial_hook.h).
  std::string tune_study;
  int64_t tune_trial = -1;
};
/// Trains, tests and writes the run record. A failure after the run directory exists
/// leaves summary.json with "status": "failed" and the error. SIGINT/SIGTERM stop at the
/// next batch end with a checkpoint and "status": "interrupted" (exit 130 / 143); such a
/// run, or one that was killed, continues with `resume` from its latest checkpoint.
///
/// With `seeds`, runs the experiment once per seed (each its own run record, seed set as
/// by `--set seed=N`) under one group directory <tracking.dir>/<experiment>/group-<UTC
/// time>/, printed at the end: that directory is the group `modlr compare` takes. A seed
/// that fails does not stop the others; the exit code is 1 if any failed.
int train(const TrainArgs& args);

struct CompareArgs {
  std::vector<std::string> groups;     ///< directories or quoted globs, optionally LABEL=...
  std::string format = "table";        ///< table | markdown | json (stdout)
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
  std::string out_dir;  ///< receives index.html (self-contained) and comparison.json
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
  std::string save_outputs;    ///< if set: safetensors file with input, output, target
  std::string device;          ///< cpu | cuda: runner.device for this evaluation ("" = the config's)
};
/// Loads a checkpoint (.pt or .safetensors) into the configured model(s) and prints the
/// split's metrics. With save_outputs, also runs the model over the split once more
/// (evaluation mode, eval_batch_size) timing only the forward passes, prints
/// "inference_seconds", and writes the split's "input", the model's "output" and the
/// "target" tensors there (for comparisons with PyTorch and ONNX Runtime).
int eval(const EvalArgs& args);

struct TranslateArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;
  int64_t beam = 0;            ///< > 0: sets loss.search.beam
  double length_penalty = -1;  ///< >= 0: sets loss.search.length_penalty
  int64_t batch_size = 64;
  bool detokenize = false;  ///< print text (text::detokenize), not tokens
};
/// Translates stdin, a sentence per line, to stdout (run/translation_run.h).
int translate(const TranslateArgs& args);

struct SummaryArgs {
  std::string config;
  std::vector<std::string> overrides;
};
/// Prints each layer's output shape and parameter count from one dry-run batch, for every
/// model of the experiment: each is fed example_input() (the data batch, or zeros of the
/// input shape the model declares, e.g. a GAN generator's noise).
int summary(const SummaryArgs& args);

struct ExportArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;           ///< weights to export (.pt or .safetensors)
  std::string onnx;                 ///< if set: write the ONNX model here
  std::string safetensors;          ///< if set: write the weights here in safetensors
  std::string model;                ///< export only this model (required for ONNX with several)
  bool with_preprocessing = false;  ///< ONNX input: raw data, the data set's normalisation in the graph
};
/// Exports a checkpoint's model as ONNX and/or its weights as safetensors. With several
/// models (a GAN), ONNX needs `model`; safetensors holds all of them ("<model>." prefixed
/// names) or only `model` (plain names). The example shape for ONNX is the model's own
/// input shape (a generator's noise) or else the configured dataset's test split. Everything is built and
/// checked before the first file is written; each file is written atomically.
int export_model(const ExportArgs& args);

struct DataArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "train";  ///< whose inputs the statistics describe: train | validation | test
  std::string out_dir;          ///< if set: data.json and samples.png / samples.txt go here
};
/// `modlr data`: what the model will receive (dataset/data_report.h) printed, and with
/// out_dir the report as JSON plus a grid of the first training images as the loader hands
/// them out (augmented, rescaled to 0..255 for viewing) or the first examples as text
/// (token ids decoded with the run's vocabulary, or numbers).
int data(const DataArgs& args);

struct TuneArgs {
  std::string config, space, study_dir, resume, seeds;
  std::string storage, study_name, join;  ///< a study in PostgreSQL (tune/study.h)
  std::vector<std::string> overrides;
  int64_t trials = 20, parallel = 1, validations_per_epoch = 1;
  std::string sampler = "tpe", pruner = "none", metric = "validation.accuracy";
  std::string direction = "auto";  ///< max | min | auto (min for losses and errors)
  uint64_t study_seed = 0;
  int64_t startup_trials = 10, candidates = 24;  ///< TPE
  int64_t pruner_startup_trials = 5, pruner_warmup_steps = 0, min_resource = 1, reduction_factor = 3;
};
/// `modlr tune`: a hyper-parameter study (tune/study.h); with `resume`, its continuation;
/// with `join`, another driver on a study in PostgreSQL.
int tune(const TuneArgs& args);

struct RunsArgs {
  std::string dir = "runs";        ///< a tracking directory (its index.db)
  std::vector<std::string> where;  ///< filters "KEY OP VALUE", all must hold
  std::string sort;                ///< a key; "-key" sorts descending
  std::string columns;             ///< "k1,k2" instead of the default columns
  int64_t limit = 0;               ///< at most this many runs (0 = all)
  bool json = false;               ///< print the runs as JSON
  std::vector<std::string> diff;   ///< two runs (directories or run ids): their configs side by side
};
/// `modlr runs`: lists the runs under a tracking directory from its index (compare/run_index.h).
int runs(const RunsArgs& args);

/// Runs `body`, turning exceptions into one-line errors (describe_error) and exit code 1.
int guarded(const std::function<int()>& body);

}  // namespace modlr::cli
