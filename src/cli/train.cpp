#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <torch/version.h>

#include "modlr/cli/commands.h"
#include "modlr/core/build_info.h"
#include "modlr/core/text.h"
#include "modlr/core/threads.h"
#include "modlr/formats/file_bytes.h"
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
                         {"blas", blas_library()},
                         {"onednn", onednn_version()},
                         {"mode", experiment.mode()}};
  summary.threads = experiment.threads().intra_op;
}

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
struct RecordPlace {
  std::string dir = "runs", name;
  int64_t seed = 0;
};

// Each key on its own: a wrongly typed seed must not send the record out of tracking.dir.
// A name that cannot be a directory name falls back to the config's stem, then "unnamed".
RecordPlace record_place(const Config& config) {
  RecordPlace place;
  const auto valid_name = [](const std::string& name) {
    try {
      check_path_component(name, "name");
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  place.name = valid_name(config_stem(config.source())) ? config_stem(config.source()) : "unnamed";
  const auto lenient = [](const std::function<void()>& read) {
    try {
      read();
    } catch (const Error&) {
    }
  };
  // has() first: reading with a fallback would write defaults into the resolved config.
  lenient([&] {
    if (config.has("experiment") && valid_name(config.get<std::string>("experiment")))
      place.name = config.get<std::string>("experiment");
  });
  lenient([&] { if (config.has("seed")) place.seed = config.get<int64_t>("seed"); });
  lenient([&] {
    if (config.has("tracking")) place.dir = config.section("tracking").get<std::string>("dir", place.dir);
  });
  return place;
}

// A run of a seed group lives in <dir>/<experiment>/<group>/<run-id>; otherwise in
// <dir>/<experiment>/<run-id>.
RunRecord open_record(const Config& config, const std::string& group, RunSummary& summary) {
  const auto place = record_place(config);
  summary.experiment = place.name;
  summary.seed = place.seed;
  if (!group.empty()) return RunRecord::create(place.dir + "/" + place.name, group, place.seed);
  return RunRecord::create(place.dir, place.name, place.seed);
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

// Loads the checkpoint `latest` names into the models and the runner, writing nothing;
// false when there is none (a run killed before its first checkpoint starts over in place).
bool restore_latest(Runner& runner, Experiment& experiment, const RunRecord& record) {
  const auto name = CheckpointHook::latest(record.checkpoint_dir());
  if (name.empty()) return false;
  const auto path = record.checkpoint_dir() + "/" + name;
  load_checkpoint(experiment.models(), path);
  read_training_state(path, [&](torch::serialize::InputArchive& state) { runner.load_state(state); });
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

// `touched` turns true once the run directory is written to: a resume that fails before
// leaves it byte for byte as it was (and so gets no failed record).
int train_and_record(Experiment& experiment, RunRecord& record, RunSummary& summary, bool resume, bool& touched) {
  if (!resume) record.write_config(experiment.config().dump());  // a new run shows its config even if it fails
  record_environment(summary, experiment);
  auto& dataset = experiment.dataset();
  dataset.load();
  for (const auto& file : dataset.files()) summary.data_files.emplace_back(file.path, file.sha256);

  auto options = experiment.runner_options();
  options.run_dir = record.dir();  // for user hooks that write files (sample grids)
  Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(), options);
  const auto hooks = add_hooks(runner, experiment, record);
  if (resume) {
    const bool restored = restore_latest(runner, experiment, record);
    check_writable(record);
    touched = true;
    if (!restored) record.truncate_metrics(std::string("epoch,split,metric,value\n").size());
    record.write_config(experiment.config().dump());
  }
  for (const auto& [name, contents] : dataset.artifacts())
    formats::write_file_atomic(record.dir() + "/" + name, contents);
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
  for (const auto& extra : dataset.extra_tests()) {
    auto extra_loader = dataset.extra_test_loader(extra.name);
    const auto result = runner.evaluate(*extra_loader, extra.name);
    summary.extra_tests.push_back({extra.name, hooks.timing->evaluation_seconds(extra.name), result.metrics,
                                   result.confusion_matrix});
  }
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


int train_one(const TrainArgs& args, const std::string& group) {
  RunSummary summary;
  std::optional<RunRecord> record;
  bool touched = args.resume.empty();  // a new run's directory is its own from the start
  try {
    const bool resume = !args.resume.empty();
    auto config = resume ? resume_config(args) : Config::load(args.config, args.overrides);
    record = resume ? RunRecord::reopen(args.resume) : open_record(config, group, summary);
    summary.run_id = record->run_id();
    Experiment experiment(std::move(config));
    summary.experiment = experiment.name();
    summary.seed = experiment.seed();
    return train_and_record(experiment, *record, summary, resume, touched);
  } catch (const std::exception& e) {
    const auto message = describe_error(e);
    std::cerr << "modlr: error: " << message << std::endl;
    if (record && touched) record_failure(*record, summary, message);
    if (record && !touched) std::cerr << "modlr: " << record->dir() << " is unchanged" << std::endl;
    return 1;
  }
}

// Claims a fresh group directory <dir>/<experiment>/group-<UTC time>[-N] (mkdir is the
// atomic claim, as for run ids) and returns its name.
std::string claim_group(const RecordPlace& place) {
  const std::string parent = place.dir + "/" + place.name;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) throw Error(parent + ": cannot create directory: " + error.message());
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  for (int attempt = 1;; ++attempt) {
    const std::string group = std::string("group-") + stamp + (attempt == 1 ? "" : "-" + std::to_string(attempt));
    if (std::filesystem::create_directory(parent + "/" + group, error)) return group;
    if (error) throw Error(parent + "/" + group + ": cannot create directory: " + error.message());
  }
}

int train_seeds(const TrainArgs& args) {
  const auto seeds = parse_seeds(args.seeds);
  if (!args.resume.empty()) throw Error("--seeds and --resume can not be combined; resume each run on its own");
  for (const auto& o : args.overrides)
    if (o.rfind("seed=", 0) == 0) throw Error("--seeds and --set " + o + " both set the seed; use one");
  const auto place = record_place(Config::load(args.config, args.overrides));
  const auto group = claim_group(place);
  std::vector<int64_t> finished, failed;
  for (size_t i = 0; i < seeds.size() && !g_stop_signal; ++i) {  // an interrupt stops the group
    std::cout << "seed " << seeds[i] << " (" << i + 1 << "/" << seeds.size() << ")" << std::endl;
    auto run = args;
    run.overrides.push_back("seed=" + std::to_string(seeds[i]));
    const int status = train_one(run, group);
    if (status == 0) finished.push_back(seeds[i]);
    else if (status == 1) failed.push_back(seeds[i]);  // else: interrupted (128 + signal)
  }
  const auto list = [](const std::vector<int64_t>& values) {
    std::string out;
    for (const auto v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
    return out.empty() ? "none" : out;
  };
  std::cout << "run group: " << place.dir << "/" << place.name << "/" << group << " (" << finished.size()
            << " of " << seeds.size() << " runs finished: " << list(finished) << ")" << std::endl;
  if (!failed.empty()) std::cerr << "modlr: error: seeds " << list(failed) << " failed (their runs say why)" << std::endl;
  if (g_stop_signal) {
    std::cerr << "modlr: interrupted; seeds not finished: " << seeds.size() - finished.size() - failed.size()
              << " (finished: " << list(finished) << ")" << std::endl;
    return 128 + g_stop_signal;
  }
  return failed.empty() ? 0 : 1;
}

}  // namespace

std::vector<int64_t> parse_seeds(const std::string& text) {
  std::vector<int64_t> seeds;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    size_t used = 0;
    try {
      const auto dash = item.find('-', 1);  // from 1: a leading '-' is a sign
      const int64_t first = std::stoll(item.substr(0, dash), &used);
      if (used != item.substr(0, dash).size()) throw Error("");
      int64_t last = first;
      if (dash != std::string::npos) {
        last = std::stoll(item.substr(dash + 1), &used);
        if (used != item.size() - dash - 1) throw Error("");
      }
      if (last < first || first < 0) throw Error("");
      // Counted before the loop: a range up to INT64_MAX must be refused, not walked.
      if (static_cast<uint64_t>(last) - static_cast<uint64_t>(first) >= kMaxSeeds - seeds.size())
        throw Error("--seeds '" + text + "': more than " + std::to_string(kMaxSeeds) + " seeds");
      for (int64_t s = first; s <= last; ++s) seeds.push_back(s);
    } catch (const Error& e) {
      if (*e.what()) throw;
      throw Error("--seeds '" + text + "': expected seeds >= 0 and ranges like 1,2,3 or 1-5, got '" + item + "'");
    } catch (const std::exception&) {
      throw Error("--seeds '" + text + "': expected seeds >= 0 and ranges like 1,2,3 or 1-5, got '" + item + "'");
    }
  }
  if (seeds.empty()) throw Error("--seeds '" + text + "': no seeds");
  auto sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  const auto repeated = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeated != sorted.end()) throw Error("--seeds '" + text + "': seed " + std::to_string(*repeated) + " repeated");
  return seeds;
}

int train(const TrainArgs& args) {
  install_signal_handlers();
  if (args.seeds.empty()) return train_one(args, "");
  return guarded([&] { return train_seeds(args); });
}

}  // namespace modlr::cli
