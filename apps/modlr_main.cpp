// The `modlr` command line: train, tune, runs, eval, summary, export, data, compare, report.
#include <CLI/CLI.hpp>

#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/core/error.h"
#include "modlr/core/memory.h"

namespace {

void add_tune_options(CLI::App& cmd, modlr::cli::TuneArgs& tune) {
  cmd.add_option("config", tune.config, "experiment config (YAML)");
  cmd.add_option("--space", tune.space,
                 "search space: config keys to {type, low, high} or {type: categorical, choices}");
  cmd.add_option("--trials", tune.trials, "trials in all (default 20)")->check(CLI::Range(1, 100000));
  cmd.add_option("--parallel", tune.parallel, "trials at once, each its own modlr train process (default 1)")
      ->check(CLI::Range(1, 256));
  cmd.add_option("--set", tune.overrides, "override a config key for every trial (repeatable)");
  cmd.add_option("--seeds", tune.seeds, "run each trial once per seed, e.g. 1-3 (value: their mean)");
  cmd.add_option("--sampler", tune.sampler, "tpe (default) | random | grid")
      ->check(CLI::IsMember({"tpe", "random", "grid"}));
  cmd.add_option("--pruner", tune.pruner, "none (default) | median | asha")
      ->check(CLI::IsMember({"none", "median", "asha"}));
  cmd.add_option("--metric", tune.metric, "validation metric to optimise (default validation.accuracy)");
  cmd.add_option("--direction", tune.direction, "max | min | auto (default: min for losses and errors)")
      ->check(CLI::IsMember({"auto", "max", "min"}));
  cmd.add_option("--validations-per-epoch", tune.validations_per_epoch,
                 "validations per epoch, the steps pruners decide at (default 1)");
  cmd.add_option("--study-seed", tune.study_seed, "the sampler's seed (default 0)");
  cmd.add_option("--startup-trials", tune.startup_trials, "tpe: random trials before modelling (default 10)");
  cmd.add_option("--candidates", tune.candidates, "tpe: draws scored per parameter (default 24)")
      ->check(CLI::Range(1, 10000));
  cmd.add_option("--pruner-startup-trials", tune.pruner_startup_trials,
                 "median: complete trials before pruning (default 5)");
  cmd.add_option("--pruner-warmup-steps", tune.pruner_warmup_steps, "median: validations never pruned (default 0)");
  cmd.add_option("--min-resource", tune.min_resource, "asha: validations before the first rung (default 1)");
  cmd.add_option("--reduction-factor", tune.reduction_factor, "asha: 1/N of a rung's trials go on (default 3)");
  cmd.add_option("--study", tune.study_dir, "the study's directory (default <tracking.dir>/<experiment>/study-<time>)");
  cmd.add_option("--resume", tune.resume, "continue the study in this directory (its settings are stored there)");
  cmd.footer(
      "example: modlr tune configs/lenet5-fashion-mnist.yaml --space configs/spaces/lenet5-sgd.yaml --trials 32 "
      "--pruner asha --validations-per-epoch 4 --parallel 2");
}

void add_runs_options(CLI::App& cmd, modlr::cli::RunsArgs& runs) {
  cmd.add_option("dir", runs.dir, "a tracking directory (default runs)");
  cmd.add_option("--where", runs.where, "keep runs where KEY OP VALUE holds, e.g. 'test.accuracy>0.9' (repeatable)");
  cmd.add_option("--sort", runs.sort, "sort by a key, e.g. test.accuracy; -test.accuracy: descending");
  cmd.add_option("--columns", runs.columns, "comma-separated keys to show (config keys or results)");
  cmd.add_option("--limit", runs.limit, "show at most N runs")->check(CLI::Range(0, 1 << 30));
  cmd.add_flag("--json", runs.json, "print the runs (config and results) as JSON");
  cmd.add_option("--diff", runs.diff, "two runs (directories or run ids): their resolved configs side by side")
      ->expected(2);
  cmd.footer("example: modlr runs runs/ --where 'test.accuracy>0.85' --sort -test.accuracy");
}

int run_command_line(int argc, char** argv) {
  modlr::keep_freed_memory();
  CLI::App app{"modlr: train, measure and ship deep-learning models (MODLR architecture)"};
  app.require_subcommand(1);
  std::vector<std::string> overrides;
  const std::string set_help = "override a config key, e.g. --set runner.epochs=1 (repeatable)";

  modlr::cli::TrainArgs train;
  auto* train_cmd = app.add_subcommand("train", "train an experiment and write its run record");
  train_cmd->add_option("config", train.config, "experiment config (YAML)")->required();
  train_cmd->add_option("--set", train.overrides, set_help);
  train_cmd->add_option("--resume", train.resume, "continue the run in this directory from its latest checkpoint");
  train_cmd->add_option("--seeds", train.seeds,
                        "run once per seed, e.g. 1,2,3,4,5 or 1-5, grouped under "
                        "<tracking.dir>/<experiment>/group-<time>/");
  train_cmd->add_option("--nproc", train.nproc, "data-parallel: start this many ranks on this host (1: a one-rank job)")
      ->check(CLI::Range(1, 1024));
  train_cmd->add_option("--nnodes", train.nnodes, "data-parallel: hosts in the job (default 1)")
      ->check(CLI::Range(1, 1 << 16));
  train_cmd->add_option("--node-rank", train.node_rank, "data-parallel: this host's index, 0 on rank 0's host")
      ->check(CLI::Range(0, 1 << 16));
  train_cmd->add_option("--master", train.master,
                        "data-parallel: HOST:PORT of rank 0's rendezvous (default: this host, a free port)");

  // Set by `modlr tune` for the runs of its trials; not for people.
  train_cmd->add_option("--tune-study", train.tune_study, "(set by modlr tune) the study's database")->group("");
  train_cmd->add_option("--tune-trial", train.tune_trial, "(set by modlr tune) the trial's number")->group("");

  modlr::cli::TuneArgs tune;
  auto* tune_cmd = app.add_subcommand("tune", "hyper-parameter search: trials of an experiment, sampled and pruned");
  add_tune_options(*tune_cmd, tune);

  modlr::cli::RunsArgs runs;
  auto* runs_cmd = app.add_subcommand("runs", "list runs with their config values and results; filter, sort, diff");
  add_runs_options(*runs_cmd, runs);

  modlr::cli::EvalArgs eval;
  auto* eval_cmd = app.add_subcommand("eval", "evaluate a checkpoint on a split");
  eval_cmd->add_option("config", eval.config, "experiment config (YAML)")->required();
  eval_cmd->add_option("--checkpoint", eval.checkpoint, "weights file (.pt or .safetensors)")->required();
  eval_cmd->add_option("--split", eval.split, "test | validation | train | an extra test split of the data set");
  eval_cmd->add_option("--set", eval.overrides, set_help);
  eval_cmd->add_option("--device", eval.device, "cpu | cuda: where to evaluate (sets runner.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  eval_cmd->add_option("--save-outputs", eval.save_outputs,
                       "also write the split's input, output and target tensors here (.safetensors)"
                       " and print the forward passes' time");

  modlr::cli::ExportArgs export_args;
  auto* export_cmd = app.add_subcommand("export", "export a checkpoint as ONNX and/or safetensors");
  export_cmd->add_option("config", export_args.config, "experiment config (YAML)")->required();
  export_cmd->add_option("--checkpoint", export_args.checkpoint, "weights file (.pt or .safetensors)")->required();
  export_cmd->add_option("--onnx", export_args.onnx,
                         "write an ONNX model (dynamic batch, checked by onnx) to this file");
  export_cmd->add_option("--safetensors", export_args.safetensors,
                         "write the weights (PyTorch state_dict names) to this file");
  export_cmd->add_option("--set", export_args.overrides, set_help);
  export_cmd->add_option("--model", export_args.model,
                         "export only this model of a multi-model experiment (e.g. generator)");
  export_cmd->add_flag("--with-preprocessing", export_args.with_preprocessing,
                       "ONNX: the data set's scaling and normalisation go into the graph, whose input is "
                       "then raw data (uint8 pixels 0-255 for images)");

  modlr::cli::SummaryArgs summary;
  auto* summary_cmd = app.add_subcommand("summary", "per-layer output shapes and parameter counts (dry run)");
  summary_cmd->add_option("config", summary.config, "experiment config (YAML)")->required();
  summary_cmd->add_option("--set", summary.overrides, set_help);

  modlr::cli::DataArgs data_args;
  auto* data_cmd = app.add_subcommand(
      "data", "what the model will receive: counts per split and class, shapes, statistics, duplicates, samples");
  data_cmd->add_option("config", data_args.config, "experiment config (YAML)")->required();
  data_cmd->add_option("--set", data_args.overrides, set_help);
  data_cmd->add_option("--split", data_args.split, "whose input statistics: train (default) | validation | test");
  data_cmd->add_option("--out", data_args.out_dir, "also write data.json and samples.png / samples.txt here");

  modlr::cli::CompareArgs compare;
  auto* compare_cmd =
      app.add_subcommand("compare", "compare groups of runs: statistics, Mann-Whitney U, Cliff's delta, curve DTW");
  compare_cmd->add_option("groups", compare.groups, "groups of runs: directories or quoted globs, optionally LABEL=DIR")
      ->required();
  compare_cmd->add_option("--format", compare.format, "stdout format: table | markdown | json")
      ->check(CLI::IsMember({"table", "markdown", "json"}));
  compare_cmd->add_option("--json", compare.json_out, "also write the comparison as JSON here");
  compare_cmd->add_option("--markdown", compare.markdown_out, "also write it as Markdown here");
  compare_cmd->add_flag("--allow-mixed-workloads", compare.allow_mixed_workloads,
                        "accept groups on different data sets (they are not tested against each other)");

  modlr::cli::ReportArgs report;
  auto* report_cmd =
      app.add_subcommand("report", "write a self-contained HTML report (curves, times, metrics, statistics)");
  report_cmd->add_option("groups", report.groups, "groups of runs: directories or quoted globs, optionally LABEL=DIR")
      ->required();
  report_cmd->add_option("--out", report.out_dir, "output directory (index.html, comparison.json/.md)")->required();
  report_cmd->add_option("--title", report.title, "page title");

  train_cmd->footer("example: modlr train configs/lenet5-fashion-mnist.yaml --set runner.epochs=1");
  eval_cmd->footer(
      "example: modlr eval configs/lenet5-fashion-mnist.yaml --checkpoint runs/.../checkpoints/epoch-0010.pt");
  summary_cmd->footer("example: modlr summary configs/mlp-mnist.yaml");
  data_cmd->footer("example: modlr data configs/cnn-cifar10.yaml --out data-report/");
  export_cmd->footer(
      "example: modlr export configs/lenet5-fashion-mnist.yaml --checkpoint runs/.../model.safetensors"
      " --onnx lenet5.onnx");
  compare_cmd->footer(
      "example: modlr compare runs/lenet5-fashion-mnist/group-20250101-120000 'twin=runs-py/*/*-python*'");
  report_cmd->footer("example: modlr report runs/lenet5-fashion-mnist/group-* --out report/");

  CLI11_PARSE(app, argc, argv);
  if (train_cmd->parsed()) return modlr::cli::train(train);
  if (tune_cmd->parsed()) return modlr::cli::tune(tune);
  if (runs_cmd->parsed()) return modlr::cli::runs(runs);
  if (eval_cmd->parsed()) return modlr::cli::eval(eval);
  if (export_cmd->parsed()) return modlr::cli::export_model(export_args);
  if (compare_cmd->parsed()) return modlr::cli::compare(compare);
  if (report_cmd->parsed()) return modlr::cli::report(report);
  if (data_cmd->parsed()) return modlr::cli::data(data_args);
  return modlr::cli::summary(summary);
}

}  // namespace

// The commands report their own errors; this catches what escapes them (out of memory while
// parsing, say), so that even that is one line and a non-zero exit, not std::terminate.
int main(int argc, char** argv) {
  try {
    return run_command_line(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "modlr: error: " << modlr::describe_error(e) << std::endl;
  } catch (...) {
    std::cerr << "modlr: error: unknown exception" << std::endl;
  }
  return 1;
}
