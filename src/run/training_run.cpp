// A training run built from a config (run/training_run.h): build, check shapes, load,
// restore, train, test, record; and what each failure leaves in the run directory.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "modlr/compare/run_index.h"
#include "modlr/core/interrupt.h"
#include "modlr/core/text.h"
#include "modlr/core/threads.h"
#include "modlr/distributed/launch.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/metrics/suite.h"
#include "modlr/run/training_run.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/early_stopping_hook.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/shape_check.h"
#include "modlr/tracking/checkpoint.h"
#include "modlr/tracking/checkpoint_store.h"
#include "modlr/tracking/mlflow_hook.h"
#include "modlr/tracking/run_record.h"
#include "modlr/tracking/tensorboard_hook.h"
#include "modlr/tune/trial_hook.h"
#include "run_parts.h"

namespace modlr {
namespace {

// Loads the checkpoint `latest` names into the models and the runner, writing nothing;
// false when there is none (a run killed before its first checkpoint starts over in place).
// In a data-parallel run rank 0 sends the checkpoint to every rank (restore_broadcast).
bool restore_latest(Runner& runner, Experiment& experiment, const RunRecord& record, RankJob* job) {
  std::string path;
  if (job) {
    const auto name = CheckpointStore::latest(record.checkpoint_dir());
    path = name.empty() ? "" : record.checkpoint_dir() + "/" + name;
    if (!restore_broadcast(runner, experiment, *job, path)) return false;
  } else {
    TrainingState state;
    path = CheckpointStore::restore_latest(record.checkpoint_dir(), experiment.models(), state);
    if (path.empty()) return false;
    restore_from(runner, state, path);
  }
  std::cout << "resuming from " << path << " (step " << runner.state().global_step << ")" << std::endl;
  return true;
}

// A resume may change the run directory only once everything it needs has been checked:
// config and overrides (the Experiment), data (loaded), the checkpoint (restored), and that
// checkpoints/ takes a new file (a probe created and removed again).
void check_writable(const RunRecord& record) {
  const std::string probe = record.checkpoint_dir() + "/.modlr-write-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0) throw Error(record.checkpoint_dir() + ": cannot write a checkpoint there: " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

// The built-in hooks the run keeps (runner.builtin_hooks; null where left out).
struct Hooks {
  std::shared_ptr<TimingHook> timing;
  std::shared_ptr<CheckpointHook> checkpoints;
};

std::shared_ptr<Hook> make_builtin_hook(const std::string& name, Experiment& experiment, RunRecord& record,
                                        Hooks& hooks) {
  const auto& tracking = experiment.tracking();
  if (name == "timing")
    return hooks.timing =
               std::make_shared<TimingHook>(experiment.runner_options().device, experiment.timing_breakdown());
  if (name == "progress") return std::make_shared<ProgressHook>(::isatty(STDERR_FILENO) == 1);
  if (name == "validation_schedule")
    return std::make_shared<ValidationScheduleHook>(experiment.validate_every(), experiment.validate_every_steps(),
                                                    experiment.validations_per_epoch());
  if (name == "tracking") return std::make_shared<TrackingHook>(record);
  if (name == "interrupt") return std::make_shared<InterruptHook>();
  return hooks.checkpoints = std::make_shared<CheckpointHook>(
             record.checkpoint_dir(), CheckpointOptions{tracking.checkpoint_every, tracking.checkpoint_steps,
                                                        tracking.keep_checkpoints, tracking.save_initial});
}

std::vector<std::pair<std::string, std::string>> data_files_of(const Dataset& dataset) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& file : dataset.files()) files.emplace_back(file.path, file.sha256);
  return files;
}

Hooks add_hooks(Runner& runner, Experiment& experiment, RunRecord& record, const RunRequest& request) {
  Hooks hooks;
  for (const auto& name : kBuiltinHooks)  // in this order whatever the config's
    if (experiment.has_builtin_hook(name)) runner.add_hook(make_builtin_hook(name, experiment, record, hooks));
  for (const auto& hook : experiment.user_hooks()) runner.add_hook(hook);
  const auto& tracking = experiment.tracking();
  const auto config_yaml = experiment.config().dump();
  if (tracking.tensorboard)  // after the user's hooks: it shows the sample grids they write
    runner.add_hook(std::make_shared<TensorBoardHook>(
        TensorBoardOptions{config_yaml, experiment.runner_options().eval_metrics, tracking.tensorboard_every_steps}));
  if (!tracking.mlflow.empty())
    runner.add_hook(std::make_shared<MlflowHook>(MlflowOptions{tracking.mlflow, tracking.mlflow_experiment, config_yaml,
                                                               record.run_id(), data_files_of(experiment.dataset())}));
  if (!request.tune_study.empty())  // a study's trial (tune/study.h)
    runner.add_hook(
        std::make_shared<TrialReportHook>(TrialLink{request.tune_study, request.tune_trial}, experiment.seed()));
  if (signal_points_enabled()) runner.add_hook(std::make_shared<SignalPointHook>());  // last: after saves
  return hooks;
}

// Where a run is when it fails, for errors that do not say (out of memory, torch).
struct Phase {
  const char* what = "reading the config";
};

// The data source's baselines, scored on the test split with the run's eval metrics.
void baselines_into(Experiment& experiment, const Dataset& dataset, RunSummary& summary) {
  const auto& targets = dataset.data(Split::test).targets;
  for (const auto& baseline : dataset.baselines()) {
    MetricSuite metrics(experiment.loss().task(), experiment.runner_options().eval_metrics);
    metrics.update(baseline.test_predictions.to(targets.device()), targets);
    summary.baselines.push_back({baseline.name, 0, metrics.compute(), metrics.undefined(), {}});
    std::ostringstream line;  // as the progress lines print metrics
    line << "  baseline " << baseline.name;
    for (const auto& [name, value] : summary.baselines.back().metrics)
      line << "  " << name << " " << std::setprecision(4) << value;
    std::cout << line.str() << std::endl;
  }
}

// The early_stopping hook's best weights into the summary; with restore_best they replace
// the last ones, so the run tests and keeps them.
void note_best_weights(Experiment& experiment, const RunRecord& record, RunSummary& summary) {
  for (const auto& hook : experiment.user_hooks()) {
    const auto* early = dynamic_cast<const EarlyStoppingHook*>(&hook->target());
    if (!early || early->best_epoch() == 0) continue;
    const auto& o = early->options();
    summary.best = {EarlyStoppingHook::kBestFile, o.split + "." + o.metric, early->best_epoch(), early->best_value(),
                    o.restore_best};
    if (o.restore_best) load_safetensors(experiment.models(), record.dir() + "/" + EarlyStoppingHook::kBestFile);
  }
}

// Runs the test splits into `summary` (their seconds from `timing`, when the run keeps it).
void test_into(Runner& runner, Dataset& dataset, const TimingHook* timing, RunSummary& summary) {
  auto test_loader = dataset.loader(Split::test);
  const auto test = runner.evaluate(*test_loader, "test");
  summary.test_seconds = timing ? timing->evaluation_seconds("test") : 0;
  summary.test_load_seconds = test.load_seconds;
  summary.test_compute_seconds = test.compute_seconds;
  summary.test_metrics = test.metrics;
  summary.test_undefined = test.undefined;
  summary.test_confusion_matrix = test.confusion_matrix;
  for (const auto& extra : dataset.extra_tests()) {
    auto extra_loader = dataset.extra_test_loader(extra.name);
    const auto result = runner.evaluate(*extra_loader, extra.name);
    summary.extra_tests.push_back({extra.name, timing ? timing->evaluation_seconds(extra.name) : 0, result.metrics,
                                   result.undefined, result.confusion_matrix});
  }
}

// Shapes before data (runner/shape_check.h): returns false, checking nothing, when the
// data set cannot say its example shape yet (before load(), for a source whose shape
// depends on the data).
bool check_shapes(Experiment& experiment) {
  const auto example = experiment.dataset().example_shape();
  if (example) trace_shapes(experiment.models(), *example, experiment.dataset().batch_size());
  return example.has_value();
}

// `touched` turns true once the run directory is written to: a resume that fails before
// leaves it byte for byte as it was (and so gets no failed record).
int train_and_record(Experiment& experiment, RunRecord& record, RunSummary& summary, const RunRequest& request,
                     bool& touched, Phase& phase, RankJob* job) {
  const bool resume = !request.resume.empty();
  if (!resume) record.write_config(experiment.config().dump());  // a new run shows its config even if it fails
  record_environment(summary, experiment);
  auto& dataset = experiment.dataset();
  phase.what = "checking the models' shapes against the data's";
  const bool shapes_checked = check_shapes(experiment);
  phase.what = "loading the data (config section dataset)";
  dataset.load();
  if (!shapes_checked) {
    phase.what = "checking the models' shapes against the data's";
    check_shapes(experiment);
  }
  signal_point("loaded");
  throw_if_stop_requested();
  summary.data_files = data_files_of(dataset);
  summary.classes = dataset.class_names();
  summary.skipped_examples = dataset.skipped();
  if (!dataset.skipped().empty())
    std::cerr << "modlr: skipped " << dataset.skipped().size()
              << " example(s) that do not decode (first: " << dataset.skipped().front() << ")" << std::endl;
  summary.environment["data_device"] = dataset.data_device().str();
  if (job) {
    summary.environment["world_size"] = std::to_string(job->communicator->size());
    summary.environment["distributed_backend"] = job->communicator->options().backend;
    summary.environment["bitwise_reproducible"] += " (for the same world size)";
  }

  phase.what = "preparing the run";
  auto options = experiment.runner_options();
  options.run_dir = record.dir();  // for user hooks that write files (sample grids)
  if (job) attach_data_parallel(*job, experiment, options);
  Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(), options);
  const auto hooks = add_hooks(runner, experiment, record, request);
  if (job && !resume) restore_broadcast(runner, experiment, *job, "");  // the others start fresh too
  if (resume) {
    const bool restored = restore_latest(runner, experiment, record, job);
    check_writable(record);
    touched = true;
    if (!restored) record.truncate_metrics(std::string("epoch,split,metric,value\n").size());
    record.write_config(experiment.config().dump());
  }
  for (const auto& [name, contents] : dataset.artifacts())
    formats::write_file_atomic(record.dir() + "/" + name, contents);
  auto train_loader = dataset.loader(Split::train);
  auto validation_loader = dataset.has_validation() ? dataset.loader(Split::validation) : nullptr;
  phase.what = "training";
  runner.fit(*train_loader, validation_loader.get());
  summary.train_epochs = runner.state().epoch;
  if (hooks.timing) {
    summary.train_seconds = hooks.timing->train_seconds();
    summary.train_breakdown_seconds = hooks.timing->breakdown();
  }
  summary.train_metrics = runner.state().train_metrics;
  summary.stopped_early = runner.state().stopped_early;
  note_best_weights(experiment, record, summary);
  if (hooks.checkpoints)
    for (const auto& file : hooks.checkpoints->saved()) summary.checkpoints.push_back("checkpoints/" + file);
  throw_if_stop_requested();  // stopped cleanly at a batch end, with a checkpoint
  // The final weights in safetensors, loadable by PyTorch Python as they are; written
  // before testing, so a run that fails from here on keeps what it trained.
  phase.what = "writing model.safetensors";
  save_safetensors(experiment.models(), record.dir() + "/model.safetensors");
  summary.checkpoints.emplace_back("model.safetensors");
  signal_point("weights_saved");
  phase.what = "testing";
  test_into(runner, dataset, hooks.timing.get(), summary);
  baselines_into(experiment, dataset, summary);
  signal_point("tested");
  throw_if_stop_requested();
  phase.what = "writing summary.json";
  summary.status = "finished";
  record.write_summary(summary);
  signal_point("summary_written");
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

// Resuming a finished run with its recorded config (nothing added by --set) has nothing
// to do; running it again would only put its results at risk.
bool already_finished(const RunRecord& record, const Experiment& experiment) {
  return record.recorded_status() == "finished" && record.recorded_config() == experiment.config().dump();
}

// An error for the terminal and summary.json: modlr's own errors name their file or key;
// anything else (out of memory, a torch error) is told where the run was.
std::string describe_in_phase(const std::exception& e, const Phase& phase) {
  if (dynamic_cast<const Error*>(&e)) return describe_error(e);
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return std::string("out of memory while ") + phase.what + " (std::bad_alloc)";
  return std::string("while ") + phase.what + ": " + describe_error(e);
}

int record_interruption(std::optional<RunRecord>& record, bool touched, RunSummary& summary, const RunRequest& args,
                        const Phase& phase, int signal) {
  std::cerr << "modlr: " << describe_error(Interrupted(signal)) << " while " << phase.what << std::endl;
  if (record && touched) {
    summary.status = "interrupted";
    summary.error.clear();
    record->write_summary(summary);
    std::cerr << "modlr: continue with: modlr train " << args.config << " --resume " << record->dir();
    if (const char* world = std::getenv("WORLD_SIZE"))  // a data-parallel run resumes as it started
      std::cerr << " (started as before: " << world << " ranks)";
    std::cerr << std::endl;
  }
  if (record && !touched) std::cerr << "modlr: " << record->dir() << " is unchanged" << std::endl;
  return 128 + signal;
}

// Where a run's record went, for the run index.
struct RecordedAt {
  std::string tracking_dir, run_dir;
};

int train_and_record_run(const RunRequest& request, const std::string& group, const WorldOptions* world,
                         RecordedAt& recorded_at) {
  RunSummary summary;
  std::optional<RunRecord> record;
  bool touched = request.resume.empty();  // a new run's directory is its own from the start
  Phase phase;
  try {
    const bool resume = !request.resume.empty();
    auto config = resume ? resume_config(request) : Config::load(request.config, request.overrides);
    recorded_at.tracking_dir = record_place(config).dir;
    record = resume ? RunRecord::reopen(request.resume) : open_record(config, group, summary);
    recorded_at.run_dir = record->dir();
    summary.run_id = record->run_id();
    phase.what = "building the experiment";
    Experiment experiment(std::move(config));
    summary.experiment = experiment.name();
    summary.seed = experiment.seed();
    signal_point("built");
    throw_if_stop_requested();
    std::unique_ptr<RankJob> job;
    if (world) {
      phase.what = "joining the data-parallel job";
      job = join_job(*world, experiment);
    }
    const bool finished = resume && already_finished(*record, experiment);
    if (job) job->communicator->broadcast_bytes(finished ? kRunAlreadyFinished : "go");
    if (finished) {
      std::cout << record->dir() << " already finished; nothing to do (to train longer: --set runner.epochs=N)"
                << std::endl;
      return 0;
    }
    return train_and_record(experiment, *record, summary, request, touched, phase, job.get());
  } catch (const Interrupted& e) {
    try {
      return record_interruption(record, touched, summary, request, phase, e.signal());
    } catch (const std::exception& nested) {
      std::cerr << "modlr: error: " << describe_error(nested) << std::endl;
      return 128 + e.signal();
    }
  } catch (const std::exception& e) {
    const auto message = describe_in_phase(e, phase);
    std::cerr << "modlr: error: " << message << std::endl;
    if (record && touched) record_failure(*record, summary, message);
    if (record && !touched) std::cerr << "modlr: " << record->dir() << " is unchanged" << std::endl;
    return 1;
  }
}

}  // namespace

int train_run(const RunRequest& request, const std::string& group, const WorldOptions* world) {
  RecordedAt recorded_at;
  const int status = train_and_record_run(request, group, world, recorded_at);
  // Finished, failed or interrupted, the run is listed by `modlr runs` as it now is.
  if (!recorded_at.run_dir.empty()) compare::note_run_in_index(recorded_at.tracking_dir, recorded_at.run_dir);
  return status;
}

}  // namespace modlr
