// Runner::save_state / load_state: the training state a resumable checkpoint holds beyond
// the weights, and (data-parallel) every rank's part of it.
#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <cstring>
#include <sstream>

#include "modlr/distributed/communicator.h"
#include "modlr/runner/runner.h"
#include "runner_progress.h"

namespace modlr {

namespace {

using Archive = torch::serialize::OutputArchive;
using InArchive = torch::serialize::InputArchive;

torch::Tensor read_tensor(InArchive& archive, const std::string& key) {
  torch::Tensor value;
  if (!archive.try_read(key, value)) throw Error("checkpoint lacks training state '" + key + "'");
  return value;
}

InArchive read_archive(InArchive& archive, const std::string& key) {
  InArchive child;
  if (!archive.try_read(key, child)) throw Error("checkpoint lacks training state '" + key + "'");
  return child;
}

void write_numbers(Archive& archive, const std::string& key, const std::map<std::string, double>& numbers) {
  Archive child;
  for (const auto& [name, value] : numbers) child.write(name, torch::tensor(value, torch::kFloat64));
  archive.write(key, child);
}

std::map<std::string, double> read_numbers(InArchive& archive, const std::string& key) {
  auto child = read_archive(archive, key);
  std::map<std::string, double> out;
  for (const auto& name : child.keys()) out[name] = read_tensor(child, name).item<double>();
  return out;
}

}  // namespace

// What differs between the ranks of a data-parallel run (for a single process: all of it
// at the archive's top level, the format of single-process checkpoints).
void Runner::save_rank_state(torch::serialize::OutputArchive& archive) const {
  archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  const auto loader = train_loader_->state();
  if (loader.augment_generator.defined()) archive.write("loader_augment_generator", loader.augment_generator);
  Archive metrics;
  for (const auto& [name, tensor] : train_metrics_->state()) metrics.write(name, tensor);
  archive.write("metrics", metrics);
  write_numbers(archive, "objective_sums", objective_sums_);
  archive.write("examples_seen", torch::tensor(state_.examples_seen));
}

void Runner::save_state(torch::serialize::OutputArchive& archive) const {
  if (!train_loader_) throw Error("the training state can only be saved during fit()");
  auto loader = train_loader_->state();
  // After an epoch's end the next run starts the following epoch from its first batch.
  const int64_t epoch = epoch_finished_ ? state_.epoch + 1 : state_.epoch;
  if (epoch_finished_) loader.next_batch = 0;
  archive.write("progress", torch::tensor({epoch, loader.next_batch, state_.global_step,
                                           state_.skipped_batches, state_.examples_seen}));
  archive.write("loader_generator", loader.generator);
  if (loader.permutation.defined()) archive.write("loader_permutation", loader.permutation);
  save_rank_state(archive);
  // The last finished epoch's metrics: a run resumed after its last epoch (killed while
  // testing, or finished) reports them as the uninterrupted run does.
  write_numbers(archive, "last_train_metrics", state_.train_metrics);
  if (scaler_) scaler_->save(archive);
  save_accumulated_gradients(archive);
  if (ema_) ema_->save(archive);
  for (size_t i = 0; i < optimizers_.size(); ++i) {
    Archive optimizer;
    optimizers_[i]->impl().save(optimizer);
    archive.write("optimizer" + std::to_string(i), optimizer);
  }
  Archive hooks;
  for (const auto& hook : hooks_) {
    HookState hook_state;
    hook->save_state(hook_state);
    if (!hook_state.empty()) write_numbers(hooks, hook->name(), hook_state);
  }
  archive.write("hooks", hooks);
  if (options_.data_parallel) save_other_ranks(archive);
}

// Data-parallel (a collective: every rank calls save_state at the same point): the other
// ranks' states go into rank 0's checkpoint as archives of their own, under "ranks".
void Runner::save_other_ranks(torch::serialize::OutputArchive& archive) const {
  Archive mine;
  save_rank_state(mine);
  std::ostringstream bytes;
  mine.save_to(bytes);
  const auto all = options_.data_parallel->communicator().all_gather_bytes(bytes.str());
  Archive ranks;
  ranks.write("world_size", torch::tensor(static_cast<int64_t>(all.size())));
  for (size_t r = 1; r < all.size(); ++r) {
    auto tensor = torch::empty({static_cast<int64_t>(all[r].size())}, torch::kUInt8);
    std::memcpy(tensor.data_ptr<uint8_t>(), all[r].data(), all[r].size());
    ranks.write(std::to_string(r), tensor);
  }
  archive.write("ranks", ranks);
}

void Runner::load_rank_state(torch::serialize::InputArchive& archive, Progress& resume) {
  resume.rng = read_tensor(archive, "rng");
  resume.loader.augment_generator = torch::Tensor();
  archive.try_read("loader_augment_generator", resume.loader.augment_generator);
  auto metrics = read_archive(archive, "metrics");
  resume.metrics.clear();
  for (const auto& name : metrics.keys()) resume.metrics[name] = read_tensor(metrics, name);
  resume.objective_sums = read_numbers(archive, "objective_sums");
  torch::Tensor examples;
  if (archive.try_read("examples_seen", examples)) resume.examples_seen = examples.item<int64_t>();
}

// A data-parallel checkpoint resumes only with the world size that wrote it; rank r > 0
// takes its own state from "ranks".
void Runner::load_other_rank(torch::serialize::InputArchive& archive, Progress& resume) {
  const int world = options_.data_parallel ? options_.data_parallel->world_size() : 1;
  InArchive ranks;
  int64_t written = 1;
  if (archive.try_read("ranks", ranks)) written = read_tensor(ranks, "world_size").item<int64_t>();
  if (written != world)
    throw Error("checkpoint was written by a run of world size " + std::to_string(written) +
                "; resume it with that many ranks (this run has " + std::to_string(world) + ")");
  if (!options_.data_parallel || options_.data_parallel->rank() == 0) return;
  const auto bytes = read_tensor(ranks, std::to_string(options_.data_parallel->rank())).contiguous();
  InArchive mine;
  std::istringstream in(std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel())));
  mine.load_from(in);
  load_rank_state(mine, resume);
}

void Runner::load_state(torch::serialize::InputArchive& archive) {
  auto resume = std::make_shared<Progress>();
  const auto progress = read_tensor(archive, "progress");
  if (progress.numel() != 5) throw Error("checkpoint: malformed progress record");
  resume->epoch = progress[0].item<int64_t>();
  resume->loader.next_batch = progress[1].item<int64_t>();
  resume->global_step = progress[2].item<int64_t>();
  resume->skipped_batches = progress[3].item<int64_t>();
  resume->examples_seen = progress[4].item<int64_t>();
  resume->loader.generator = read_tensor(archive, "loader_generator");
  archive.try_read("loader_permutation", resume->loader.permutation);
  load_rank_state(archive, *resume);
  const auto keys = archive.keys();
  if (options_.data_parallel || std::find(keys.begin(), keys.end(), "ranks") != keys.end())
    load_other_rank(archive, *resume);
  InArchive last_train_metrics;
  state_.train_metrics.clear();
  if (archive.try_read("last_train_metrics", last_train_metrics))  // absent in older checkpoints
    state_.train_metrics = read_numbers(archive, "last_train_metrics");
  if (scaler_) scaler_->load(archive);
  if (ema_) ema_->load(archive);
  InArchive gradients;
  if (archive.try_read("accumulated_gradients", gradients)) {
    const auto& params = optimizers_.front()->impl().param_groups();
    size_t count = 0;
    for (const auto& group : params) count += group.params().size();
    resume->accumulated_gradients.assign(count, torch::Tensor());
    for (size_t i = 0; i < count; ++i) gradients.try_read(std::to_string(i), resume->accumulated_gradients[i]);
  }
  // The last epoch that ran (all of it when the checkpoint was taken at an epoch's end).
  state_.epoch = resume->loader.next_batch == 0 ? resume->epoch - 1 : resume->epoch;
  for (size_t i = 0; i < optimizers_.size(); ++i) {
    auto optimizer = read_archive(archive, "optimizer" + std::to_string(i));
    optimizers_[i]->impl().load(optimizer);
  }
  auto hooks = read_archive(archive, "hooks");
  const auto stored = hooks.keys();
  for (const auto& hook : hooks_)
    if (std::find(stored.begin(), stored.end(), hook->name()) != stored.end())
      hook->load_state(read_numbers(hooks, hook->name()));
  at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle to the global one
  global.set_state(resume->rng);
  state_.global_step = resume->global_step;
  resume_ = std::move(resume);
}

}  // namespace modlr
