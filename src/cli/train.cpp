#include <unistd.h>

#include <fstream>
#include <optional>
#include <iostream>
#include <torch/version.h>

#include "modlr/cli/commands.h"
#include "modlr/core/build_info.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"
#include "modlr/tracking/run_record.h"

namespace modlr::cli {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

void record_environment(RunSummary& summary, const Experiment& experiment) {
  summary.environment = {{"modlr_version", modlr_version()},
                         {"torch_version", TORCH_VERSION},
                         {"device", experiment.runner_options().device.str()},
                         {"cpu", cpu_model()},
                         {"git_commit", source_commit()},
                         {"blas_threads", std::to_string(experiment.threads().blas)}};
  summary.threads = experiment.threads().intra_op;
}

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
RunRecord open_record(const Config& config, RunSummary& summary) {
  std::string dir = "runs", name = config_stem(config.source());
  int64_t seed = 0;
  try {
    if (config.has("experiment")) name = config.get<std::string>("experiment");
    if (config.has("seed")) seed = config.get<int64_t>("seed");
    if (config.has("tracking")) dir = config.section("tracking").get<std::string>("dir", dir);
  } catch (const Error&) {
  }
  summary.experiment = name;
  summary.seed = seed;
  return RunRecord::create(dir, name, seed);
}

int train_and_record(Experiment& experiment, RunRecord& record, RunSummary& summary) {
  record.write_config(experiment.config().dump());
  record_environment(summary, experiment);
  auto& dataset = experiment.dataset();
  dataset.load();
  for (const auto& file : dataset.files()) summary.data_files.emplace_back(file.path, file.sha256);

  Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(),
                experiment.runner_options());
  auto timing = std::make_shared<TimingHook>(experiment.runner_options().device);
  auto checkpoints = std::make_shared<CheckpointHook>(
      record.checkpoint_dir(), experiment.tracking().checkpoint_every, experiment.tracking().keep_checkpoints);
  runner.add_hook(timing);
  runner.add_hook(std::make_shared<ProgressHook>(::isatty(STDERR_FILENO) == 1));
  runner.add_hook(std::make_shared<ValidationScheduleHook>(experiment.validate_every()));
  runner.add_hook(std::make_shared<TrackingHook>(record));
  runner.add_hook(checkpoints);
  for (const auto& hook : experiment.user_hooks()) runner.add_hook(hook);

  auto train_loader = dataset.loader(Split::train);
  auto validation_loader = dataset.has_validation() ? dataset.loader(Split::validation) : nullptr;
  runner.fit(*train_loader, validation_loader.get());
  summary.train_epochs = runner.state().epoch;
  summary.train_seconds = timing->train_seconds();
  summary.train_breakdown_seconds = timing->breakdown();
  summary.train_metrics = runner.state().train_metrics;

  auto test_loader = dataset.loader(Split::test);
  const auto test = runner.evaluate(*test_loader, "test");
  summary.test_seconds = timing->evaluation_seconds("test");
  summary.test_metrics = test.metrics;
  summary.test_confusion_matrix = test.confusion_matrix;
  for (const auto& file : checkpoints->saved()) summary.checkpoints.push_back("checkpoints/" + file);
  // The final weights in safetensors, loadable by PyTorch Python as they are.
  save_safetensors(experiment.models(), record.dir() + "/model.safetensors");
  summary.checkpoints.push_back("model.safetensors");
  summary.status = "finished";
  record.write_summary(summary);
  std::cout << "run record: " << record.dir() << std::endl;
  return 0;
}

}  // namespace

int train(const TrainArgs& args) {
  RunSummary summary;
  std::optional<RunRecord> record;
  try {
    record = open_record(Config::load(args.config, args.overrides), summary);
    summary.run_id = record->run_id();
    Experiment experiment(Config::load(args.config, args.overrides));
    summary.experiment = experiment.name();
    summary.seed = experiment.seed();
    return train_and_record(experiment, *record, summary);
  } catch (const std::exception& e) {
    const auto message = describe_error(e);
    std::cerr << "modlr: error: " << message << std::endl;
    if (record) {
      summary.status = "failed";
      summary.error = message;
      try {
        record->write_summary(summary);
        std::cerr << "modlr: failed run recorded in " << record->dir() << std::endl;
      } catch (const std::exception& nested) {
        std::cerr << "modlr: error: " << describe_error(nested) << std::endl;
      }
    }
    return 1;
  }
}

}  // namespace modlr::cli
