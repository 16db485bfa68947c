// `modlr train` as one rank of a data-parallel run: joining the job, agreeing on the
// config, and the ranks > 0, which train and evaluate alongside rank 0 but write nothing.
// Rank 0 is the ordinary run (training_run.cpp) with a communicator.
#include <yaml-cpp/yaml.h>

#include <iostream>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>

#include "modlr/core/device.h"
#include "modlr/core/interrupt.h"
#include "modlr/distributed/launch.h"
#include "modlr/distributed/sync_batch_norm.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"
#include "run_parts.h"

namespace modlr {
namespace {

// The dotted path of the first key where two YAML documents differ ("" if none).
std::string first_difference(const YAML::Node& a, const YAML::Node& b, const std::string& path) {
  const auto at = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (a.Type() != b.Type()) return path.empty() ? "(the whole config)" : path;
  if (a.IsMap()) {
    for (const auto& entry : a) {
      const auto key = entry.first.as<std::string>();
      if (!b[key]) return at(key);
      auto inner = first_difference(entry.second, b[key], at(key));
      if (!inner.empty()) return inner;
    }
    for (const auto& entry : b)
      if (!a[entry.first.as<std::string>()]) return at(entry.first.as<std::string>());
    return "";
  }
  if (a.IsSequence()) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      auto inner = first_difference(a[i], b[i], path + "[" + std::to_string(i) + "]");
      if (!inner.empty()) return inner;
    }
    return a.size() == b.size() ? "" : path;
  }
  if (a.IsScalar() && a.Scalar() != b.Scalar()) return path;
  return "";
}

std::string describe_config_difference(const std::string& mine, const std::string& theirs) {
  std::string key;
  try {
    key = first_difference(YAML::Load(mine), YAML::Load(theirs), "");
  } catch (const std::exception&) {
  }
  return key.empty() ? "the resolved configs differ" : "the first differing key is " + key;
}

// Rank 0's hooks that take part in collectives or steer the loop, where rank 0 has them
// (runner.builtin_hooks): every rank must validate and save at the same steps.
void add_worker_hooks(Runner& runner, Experiment& experiment) {
  const auto& tracking = experiment.tracking();
  if (experiment.has_builtin_hook("validation_schedule"))
    runner.add_hook(std::make_shared<ValidationScheduleHook>(
        experiment.validate_every(), experiment.validate_every_steps(), experiment.validations_per_epoch()));
  if (experiment.has_builtin_hook("interrupt")) runner.add_hook(std::make_shared<InterruptHook>());
  if (experiment.has_builtin_hook("checkpoint"))
    runner.add_hook(std::make_shared<CheckpointHook>(
        "", CheckpointOptions{tracking.checkpoint_every, tracking.checkpoint_steps, tracking.keep_checkpoints,
                              tracking.save_initial, /*write=*/false}));
  for (const auto& hook : experiment.user_hooks()) runner.add_hook(hook);
  if (signal_points_enabled()) runner.add_hook(std::make_shared<SignalPointHook>());
}

int train_worker(const RunRequest& args, const WorldOptions& world) {
  auto experiment = std::make_unique<Experiment>(Config::load(args.config, args.overrides));
  auto job = join_job(world, *experiment);
  if (job->communicator->broadcast_bytes("") == kRunAlreadyFinished) return 0;
  auto& dataset = experiment->dataset();
  dataset.load();
  throw_if_stop_requested();
  auto options = experiment->runner_options();
  attach_data_parallel(*job, *experiment, options);
  Runner runner(experiment->models(), experiment->loss(), experiment->optimizers(), options);
  add_worker_hooks(runner, *experiment);
  restore_broadcast(runner, *experiment, *job, "");
  auto train_loader = dataset.loader(Split::train);
  auto validation_loader = dataset.has_validation() ? dataset.loader(Split::validation) : nullptr;
  runner.fit(*train_loader, validation_loader.get());
  throw_if_stop_requested();
  auto test_loader = dataset.loader(Split::test);
  runner.evaluate(*test_loader, "test");
  for (const auto& extra : dataset.extra_tests()) {
    auto extra_loader = dataset.extra_test_loader(extra.name);
    runner.evaluate(*extra_loader, extra.name);
  }
  return 0;
}

}  // namespace

std::unique_ptr<RankJob> join_job(WorldOptions world, const Experiment& experiment) {
  const auto& settings = experiment.distributed();
  world.backend = settings.backend;
  world.timeout = std::chrono::seconds(settings.timeout_seconds);
  auto job = std::make_unique<RankJob>();
  job->communicator = Communicator::join(world);
  job->communicator->check_agreement("config", experiment.config().dump(), describe_config_difference);
  return job;
}

void attach_data_parallel(RankJob& job, Experiment& experiment, RunnerOptions& options) {
  const auto& communicator = *job.communicator;
  auto& dataset = experiment.dataset();
  const int64_t per_step = experiment.dataset().loader(Split::train)->options().batch_size * communicator.size();
  const int64_t examples = dataset.data(Split::train).size();
  if (examples < per_step)
    throw Error("distributed: " + std::to_string(communicator.size()) + " ranks x dataset.batch_size " +
                std::to_string(per_step / communicator.size()) + " = " + std::to_string(per_step) +
                " examples per step, but the training split has " + std::to_string(examples) +
                ": start fewer ranks (--nproc) or lower dataset.batch_size");
  dataset.shard(communicator.rank(), communicator.size());
  std::vector<std::vector<torch::Tensor>> stages;
  for (const auto& optimizer : experiment.optimizers()) {
    stages.emplace_back();
    for (const auto& group : optimizer->impl().param_groups())
      stages.back().insert(stages.back().end(), group.params().begin(), group.params().end());
  }
  job.data_parallel = std::make_unique<DataParallel>(*job.communicator, stages, experiment.distributed().data_parallel);
  options.data_parallel = job.data_parallel.get();
  if (experiment.distributed().sync_batchnorm && synchronize_batch_norms(experiment.models(), *job.communicator) == 0)
    experiment.config()
        .section("runner")
        .section("distributed")
        .fail("sync_batchnorm", "the models have no BatchNorm2d layer");
  if (communicator.rank() > 0) {  // dropout masks of their own (rank 0's stream is the single process's)
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(static_cast<uint64_t>(experiment.seed()) + 0x9E3779B97F4A7C15ull * communicator.rank());
  }
}

// Rank 0 names the checkpoint to resume from (or none) and sends its bytes; every rank
// restores from the same bytes, so no rank needs the run directory.
bool restore_broadcast(Runner& runner, Experiment& experiment, RankJob& job, const std::string& path) {
  const bool root = job.communicator->rank() == 0;
  const std::string message = job.communicator->broadcast_bytes(
      root ? (path.empty() ? std::string("none") : "checkpoint\n" + path + "\n" + read_checkpoint_bytes(path)) : "");
  if (message == "none") return false;
  const auto name_end = message.find('\n', 11);
  const std::string name = message.substr(11, name_end - 11), bytes = message.substr(name_end + 1);
  load_checkpoint_bytes(experiment.models(), bytes, name);
  restore_from(runner, read_training_state_bytes(bytes, name), name);
  return true;
}

// Ranks > 0: errors go to stderr naming the rank; rank 0 writes the run record.
int train_rank(const RunRequest& request, const WorldOptions& world) {
  select_cuda_device(world.local_rank);  // one GPU per rank on a host, as torchrun scripts do
  if (world.rank == 0) return train_run(request, "", &world);
  try {
    return train_worker(request, world);
  } catch (const Interrupted& e) {
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::cerr << "modlr: rank " << world.rank << ": error: " << describe_error(e) << std::endl;
    return 1;
  }
}

}  // namespace modlr
