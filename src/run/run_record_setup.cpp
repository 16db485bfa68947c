// A training run's record (run/training_run.h): where it goes, the config a resumed run
// uses, the environment it records (versions, machine, reproducibility), and restoring
// the runner from a checkpoint's state.
#include <torch/version.h>
#include <filesystem>
#include <fstream>
#include <functional>

#include "modlr/core/build_info.h"
#include "modlr/core/text.h"
#include "modlr/core/threads.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/run_record.h"
#include "run_parts.h"

namespace modlr {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// Whether the same config, seed and thread count give the same bits again, and if not why.
std::string reproducibility(const Experiment& experiment) {
  if (experiment.cudnn_benchmark() && experiment.runner_options().device.is_cuda())
    return "no: runner.cudnn_benchmark times and picks cuDNN algorithms per run";
  if (experiment.runner_options().device.is_cuda())
    return "not guaranteed: CUDA kernels (atomics in some backward passes) may differ between runs";
  return "yes";
}

}  // namespace

void record_environment(RunSummary& summary, const Experiment& experiment) {
  summary.environment = {{"modlr_version", modlr_version()},
                         {"torch_version", TORCH_VERSION},
                         {"device", experiment.runner_options().device.str()},
                         {"cpu", cpu_model()},
                         {"git_commit", source_commit()},
                         {"blas", blas_library()},
                         {"onednn", onednn_version()},
                         {"mode", experiment.mode()},
                         {"precision", precision_name(experiment.runner_options().precision)},
                         {"bitwise_reproducible", reproducibility(experiment)}};
  summary.threads = experiment.threads().intra_op;
}

void restore_from(Runner& runner, const TrainingState& state, const std::string& path) {
  try {
    runner.restore(state);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

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
  lenient([&] {
    if (config.has("seed")) place.seed = config.get<int64_t>("seed");
  });
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

// A resumed run uses the config its directory recorded (plus any --set, e.g. more epochs);
// one killed before it recorded its config (right after its directory was made) resumes
// with the config given.
Config resume_config(const RunRequest& args) {
  const auto requested = Config::load(args.config);
  const std::string recorded_path = args.resume + "/config.yaml";
  const bool has_recorded =
      std::filesystem::symlink_status(recorded_path).type() != std::filesystem::file_type::not_found;
  auto recorded = Config::load(has_recorded ? recorded_path : args.config, args.overrides);
  const auto name = [](const Config& c) { return c.has("experiment") ? c.get<std::string>("experiment") : ""; };
  if (name(requested) != name(recorded))
    throw Error(args.resume + ": holds a run of experiment '" + name(recorded) + "', not '" + name(requested) + "' (" +
                args.config + ")");
  return recorded;
}

}  // namespace modlr
