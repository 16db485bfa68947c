// The `modlr` command line: train, tune, runs, eval, translate, summary, export, data, compare,
// report.
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
  cmd.add_option("--storage", tune.storage,
                 "keep the study in PostgreSQL (postgresql://[user@]host[:port]/db) so that drivers on several hosts "
                 "share it; default: study.db (SQLite) in the study directory");
  cmd.add_option("--study-name", tune.study_name,
                 "the study's name in --storage (default: the study directory's name)");
  cmd.add_option("--join", tune.join, "run trials of the study NAME in --storage from this host too");
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

const char* const kSetHelp = "override a config key, e.g. --set runner.epochs=1 (repeatable)";

void add_train_options(CLI::App& cmd, modlr::cli::TrainArgs& train) {
  cmd.add_option("config", train.config, "experiment config (YAML)")->required();
  cmd.add_option("--set", train.overrides, kSetHelp);
  cmd.add_option("--resume", train.resume, "continue the run in this directory from its latest checkpoint");
  cmd.add_option("--seeds", train.seeds,
                 "run once per seed, e.g. 1,2,3,4,5 or 1-5, grouped under "
                 "<tracking.dir>/<experiment>/group-<time>/");
  cmd.add_option("--nproc", train.nproc, "data-parallel: start this many ranks on this host (1: a one-rank job)")
      ->check(CLI::Range(1, 1024));
  cmd.add_option("--nnodes", train.nnodes, "data-parallel: hosts in the job (default 1)")
      ->check(CLI::Range(1, 1 << 16));
  cmd.add_option("--node-rank", train.node_rank, "data-parallel: this host's index, 0 on rank 0's host")
      ->check(CLI::Range(0, 1 << 16));
  cmd.add_option("--master", train.master,
                 "data-parallel: HOST:PORT of rank 0's rendezvous (default: this host, a free port)");
  // Set by `modlr tune` for the runs of its trials; not for people.
  cmd.add_option("--tune-study", train.tune_study, "(set by modlr tune) the study's directory")->group("");
  cmd.add_option("--tune-trial", train.tune_trial, "(set by modlr tune) the trial's number")->group("");
  cmd.footer("example: modlr train configs/lenet5-fashion-mnist.yaml --set runner.epochs=1");
}

void add_eval_options(CLI::App& cmd, modlr::cli::EvalArgs& eval) {
  cmd.add_option("config", eval.config, "experiment config (YAML)")->required();
  cmd.add_option("--checkpoint", eval.checkpoint, "weights file (.pt or .safetensors)")->required();
  cmd.add_option("--split", eval.split, "test | validation | train | an extra test split of the data set");
  cmd.add_option("--set", eval.overrides, kSetHelp);
  cmd.add_option("--device", eval.device, "cpu | cuda: where to evaluate (sets runner.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd.add_option("--save-outputs", eval.save_outputs,
                 "also write the split's input, output and target tensors here (.safetensors)"
                 " and print the forward passes' time");
  cmd.footer("example: modlr eval configs/lenet5-fashion-mnist.yaml --checkpoint runs/.../checkpoints/epoch-0010.pt");
}

void add_export_options(CLI::App& cmd, modlr::cli::ExportArgs& export_args) {
  cmd.add_option("config", export_args.config, "experiment config (YAML)")->required();
  cmd.add_option("--checkpoint", export_args.checkpoint, "weights file (.pt or .safetensors)")->required();
  cmd.add_option("--onnx", export_args.onnx, "write an ONNX model (dynamic batch, checked by onnx) to this file");
  cmd.add_option("--safetensors", export_args.safetensors, "write the weights (PyTorch state_dict names) to this file");
  cmd.add_option("--set", export_args.overrides, kSetHelp);
  cmd.add_option("--model", export_args.model, "export only this model of a multi-model experiment (e.g. generator)");
  cmd.add_flag("--with-preprocessing", export_args.with_preprocessing,
               "ONNX: the data set's scaling and normalisation go into the graph, whose input is "
               "then raw data (uint8 pixels 0-255 for images)");
  cmd.footer(
      "example: modlr export configs/lenet5-fashion-mnist.yaml --checkpoint runs/.../model.safetensors"
      " --onnx lenet5.onnx");
}

void add_data_options(CLI::App& cmd, modlr::cli::DataArgs& data_args) {
  cmd.add_option("config", data_args.config, "experiment config (YAML)")->required();
  cmd.add_option("--set", data_args.overrides, kSetHelp);
  cmd.add_option("--split", data_args.split, "whose input statistics: train (default) | validation | test");
  cmd.add_option("--out", data_args.out_dir, "also write data.json and samples.png / samples.txt here");
  cmd.footer("example: modlr data configs/cnn-cifar10.yaml --out data-report/");
}

void add_compare_options(CLI::App& cmd, modlr::cli::CompareArgs& compare) {
  cmd.add_option("groups", compare.groups, "groups of runs: directories or quoted globs, optionally LABEL=DIR")
      ->required();
  cmd.add_option("--format", compare.format, "stdout format: table | markdown | json")
      ->check(CLI::IsMember({"table", "markdown", "json"}));
  cmd.add_option("--json", compare.json_out, "also write the comparison as JSON here");
  cmd.add_option("--markdown", compare.markdown_out, "also write it as Markdown here");
  cmd.add_flag("--allow-mixed-workloads", compare.allow_mixed_workloads,
               "accept groups on different data sets (they are not tested against each other)");
  cmd.footer("example: modlr compare runs/lenet5-fashion-mnist/group-20250101-120000 'twin=runs-py/*/*-python*'");
}

void add_report_options(CLI::App& cmd, modlr::cli::ReportArgs& report) {
  cmd.add_option("groups", report.groups, "groups of runs: directories or quoted globs, optionally LABEL=DIR")
      ->required();
  cmd.add_option("--out", report.out_dir, "output directory (index.html, comparison.json/.md)")->required();
  cmd.add_option("--title", report.title, "page title");
  cmd.footer("example: modlr report runs/lenet5-fashion-mnist/group-* --out report/");
}

void add_translate_options(CLI::App& cmd, modlr::cli::TranslateArgs& translate) {
  cmd.add_option("config", translate.config, "the experiment config the checkpoint was trained with (YAML)")
      ->required();
  cmd.add_option("--checkpoint", translate.checkpoint, "weights file (.pt or .safetensors)")->required();
  cmd.add_option("--beam", translate.beam, "beam size (sets loss.search.beam; 1 = greedy)")->check(CLI::Range(1, 1000));
  cmd.add_option("--length-penalty", translate.length_penalty,
                 "beam search: score / length^alpha (sets loss.search.length_penalty)")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--batch-size", translate.batch_size, "sentences translated together (default 64)")
      ->check(CLI::Range(1, 100000));
  cmd.add_flag("--detokenize", translate.detokenize,
               "print text (no spaces before punctuation, t-shirt joined), e.g. for sacreBLEU; default: tokens");
  cmd.add_option("--set", translate.overrides, kSetHelp);
  cmd.footer(
      "example: echo 'Ein Hund läuft im Schnee.' | modlr translate configs/transformer-multi30k.yaml "
      "--checkpoint runs/transformer-multi30k/<run>/model.safetensors --beam 5");
}

// Every subcommand's arguments; the one given is filled by the parse.
struct Arguments {
  modlr::cli::TrainArgs train;
  modlr::cli::TuneArgs tune;
  modlr::cli::RunsArgs runs;
  modlr::cli::EvalArgs eval;
  modlr::cli::TranslateArgs translate;
  modlr::cli::ExportArgs export_args;
  modlr::cli::SummaryArgs summary;
  modlr::cli::DataArgs data;
  modlr::cli::CompareArgs compare;
  modlr::cli::ReportArgs report;
};

int run_command_line(int argc, char** argv) {
  modlr::keep_freed_memory();
  CLI::App app{"modlr: train, measure and ship deep-learning models (MODLR architecture)"};
  app.require_subcommand(1);
  Arguments a;
  auto* train = app.add_subcommand("train", "train an experiment and write its run record");
  add_train_options(*train, a.train);
  auto* tune = app.add_subcommand("tune", "hyper-parameter search: trials of an experiment, sampled and pruned");
  add_tune_options(*tune, a.tune);
  auto* runs = app.add_subcommand("runs", "list runs with their config values and results; filter, sort, diff");
  add_runs_options(*runs, a.runs);
  auto* eval = app.add_subcommand("eval", "evaluate a checkpoint on a split");
  add_eval_options(*eval, a.eval);
  auto* translate = app.add_subcommand("translate", "translate stdin, a sentence per line, with a checkpoint");
  add_translate_options(*translate, a.translate);
  auto* export_cmd = app.add_subcommand("export", "export a checkpoint as ONNX and/or safetensors");
  add_export_options(*export_cmd, a.export_args);
  auto* summary = app.add_subcommand("summary", "per-layer output shapes and parameter counts (dry run)");
  summary->add_option("config", a.summary.config, "experiment config (YAML)")->required();
  summary->add_option("--set", a.summary.overrides, kSetHelp);
  summary->footer("example: modlr summary configs/mlp-mnist.yaml");
  auto* data = app.add_subcommand(
      "data", "what the model will receive: counts per split and class, shapes, statistics, duplicates, samples");
  add_data_options(*data, a.data);
  auto* compare =
      app.add_subcommand("compare", "compare groups of runs: statistics, Mann-Whitney U, Cliff's delta, curve DTW");
  add_compare_options(*compare, a.compare);
  auto* report =
      app.add_subcommand("report", "write a self-contained HTML report (curves, times, metrics, statistics)");
  add_report_options(*report, a.report);

  CLI11_PARSE(app, argc, argv);
  if (train->parsed()) return modlr::cli::train(a.train);
  if (tune->parsed()) return modlr::cli::tune(a.tune);
  if (runs->parsed()) return modlr::cli::runs(a.runs);
  if (eval->parsed()) return modlr::cli::eval(a.eval);
  if (translate->parsed()) return modlr::cli::translate(a.translate);
  if (export_cmd->parsed()) return modlr::cli::export_model(a.export_args);
  if (compare->parsed()) return modlr::cli::compare(a.compare);
  if (report->parsed()) return modlr::cli::report(a.report);
  if (data->parsed()) return modlr::cli::data(a.data);
  return modlr::cli::summary(a.summary);
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
