#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <torch/version.h>

#include "modlr/cli/commands.h"
#include "modlr/core/build_info.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"
#include "modlr/tracking/run_record.h"

namespace modlr::cli {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

// The first SIGINT/SIGTERM asks for a clean stop; a second one ends the process at once.
extern "C" void request_stop(int signal) {
  g_stop_signal = signal;
  std::signal(signal, SIG_DFL);
}

void install_signal_handlers() {
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  // Past a file-size limit, writes must fail with EFBIG (reported), not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
}

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

// A resumed run uses the config its directory recorded (plus any --set, e.g. more epochs).
Config resume_config(const TrainArgs& args) {
  const auto requested = Config::load(args.config);
  const auto recorded = Config::load(args.resume + "/config.yaml", args.overrides);
  const auto name = [](const Config& c) { return c.has("experiment") ? c.get<std::string>("experiment") : ""; };
  if (name(requested) != name(recorded))
    throw Error(args.resume + ": holds a run of experiment '" + name(recorded) + "', not '" +
                name(requested) + "' (" + args.config + ")");
  return recorded;
}

// Continues from the checkpoint `latest` names, if any (a run killed before its first
// checkpoint starts over in the same directory).
void restore_latest(Runner& runner, Experiment& experiment, RunRecord& record) {
  const auto name = CheckpointHook::latest(record.checkpoint_dir());
  if (name.empty()) {
    record.truncate_metrics(std::string("epoch,split,metric,value\n").size());
    return;
  }
  const auto path = record.checkpoint_dir() + "/" + name;
  load_checkpoint(experiment.models(), path);
  read_training_state(path, [&](torch::serialize::InputArchive& state) { runner.load_state(state); });
  std::cout << "resuming from " << path << " (step " << runner.state().global_step << ")" << std::endl;
}

struct Hooks {
  std::shared_ptr<TimingHook> timing;
  std::shared_ptr<CheckpointHook> checkpoints;
};

Hooks add_hooks(Runner& runner, Experiment& experiment, RunRecord& record) {
  const auto& tracking = experiment.tracking();
  Hooks hooks{std::make_shared<TimingHook>(experiment.runner_options().device),
              std::make_shared<CheckpointHook>(
                  record.checkpoint_dir(),
                  CheckpointOptions{tracking.checkpoint_every, tracking.checkpoint_steps,
                                    tracking.keep_checkpoints, tracking.save_initial})};
  runner.add_hook(hooks.timing);
  runner.add_hook(std::make_shared<ProgressHook>(::isatty(STDERR_FILENO) == 1));
  runner.add_hook(std::make_shared<ValidationScheduleHook>(experiment.validate_every()));
  runner.add_hook(std::make_shared<TrackingHook>(record));
  runner.add_hook(std::make_shared<InterruptHook>(&g_stop_signal));
  runner.add_hook(hooks.checkpoints);  // after the interrupt hook: it saves when asked to stop
  for (const auto& hook : experiment.user_hooks()) runner.add_hook(hook);
  return hooks;
}

int train_and_record(Experiment& experiment, RunRecord& record, RunSummary& summary, bool resume) {
  record.write_config(experiment.config().dump());
  record_environment(summary, experiment);
  auto& dataset = experiment.dataset();
  dataset.load();
  for (const auto& file : dataset.files()) summary.data_files.emplace_back(file.path, file.sha256);

  Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(), experiment.runner_options());
  const auto hooks = add_hooks(runner, experiment, record);
  if (resume) restore_latest(runner, experiment, record);
  auto train_loader = dataset.loader(Split::train);
  auto validation_loader = dataset.has_validation() ? dataset.loader(Split::validation) : nullptr;
  runner.fit(*train_loader, validation_loader.get());
  summary.train_epochs = runner.state().epoch;
  summary.train_seconds = hooks.timing->train_seconds();
  summary.train_breakdown_seconds = hooks.timing->breakdown();
  summary.train_metrics = runner.state().train_metrics;
  for (const auto& file : hooks.checkpoints->saved()) summary.checkpoints.push_back("checkpoints/" + file);
  if (g_stop_signal) {
    summary.status = "interrupted";
    record.write_summary(summary);
    std::cerr << "modlr: interrupted at step " << runner.state().global_step << "; continue with: modlr train "
              << "CONFIG --resume " << record.dir() << std::endl;
    return 128 + g_stop_signal;
  }
  auto test_loader = dataset.loader(Split::test);
  const auto test = runner.evaluate(*test_loader, "test");
  summary.test_seconds = hooks.timing->evaluation_seconds("test");
  summary.test_metrics = test.metrics;
  summary.test_confusion_matrix = test.confusion_matrix;
  // The final weights in safetensors, loadable by PyTorch Python as they are.
  save_safetensors(experiment.models(), record.dir() + "/model.safetensors");
  summary.checkpoints.push_back("model.safetensors");
  summary.status = "finished";
  record.write_summary(summary);
  std::cout << "run record: " << record.dir() << std::endl;
  return 0;
}

void record_failure(RunRecord& record, RunSummary& summary, const std::string& message) {
  summary.status = "failed";
  summary.error = message;
  try {
    record.write_summary(summary);
    std::cerr << "modlr: failed run recorded in " << record.dir() << std::endl;
  } catch (const std::exception& nested) {
    std::cerr << "modlr: error: " << describe_error(nested) << std::endl;
  }
}

}  // namespace

int train(const TrainArgs& args) {
  install_signal_handlers();
  RunSummary summary;
  std::optional<RunRecord> record;
  try {
    const bool resume = !args.resume.empty();
    auto config = resume ? resume_config(args) : Config::load(args.config, args.overrides);
    record = resume ? RunRecord::reopen(args.resume) : open_record(config, summary);
    summary.run_id = record->run_id();
    Experiment experiment(std::move(config));
    summary.experiment = experiment.name();
    summary.seed = experiment.seed();
    return train_and_record(experiment, *record, summary, resume);
  } catch (const std::exception& e) {
    const auto message = describe_error(e);
    std::cerr << "modlr: error: " << message << std::endl;
    if (record) record_failure(*record, summary, message);
    return 1;
  }
}

}  // namespace modlr::cli
