// Runner::training_state / restore: the training state beyond the weights as a value
// (tracking/training_state.h), and (data-parallel) every rank's part of it.
#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <sstream>

#include "modlr/distributed/communicator.h"
#include "modlr/runner/runner.h"

namespace modlr {

namespace {

std::string optimizer_bytes(Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.impl().save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void load_optimizer(Optimizer& optimizer, const std::string& bytes, size_t stage) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  try {
    archive.load_from(in);
    optimizer.impl().load(archive);
  } catch (const c10::Error& e) {
    throw Error("the training state of optimizer " + std::to_string(stage) + " does not fit this run's (" +
                e.what_without_backtrace() + ")");
  }
}

}  // namespace

// What differs between the ranks of a data-parallel run.
RankTrainingState Runner::rank_state() const {
  RankTrainingState rank;
  rank.rng = at::detail::getDefaultCPUGenerator().get_state();
  const auto loader = train_loader_->state();
  if (loader.augment_generator.defined()) rank.loader_augment_generator = loader.augment_generator.clone();
  for (const auto& [name, tensor] : train_metrics_->state()) rank.metric_states[name] = tensor.detach().clone();
  rank.objective_sums = objective_sums_;
  rank.examples_seen = state_.examples_seen;
  return rank;
}

TrainingState Runner::training_state() const {
  if (!train_loader_) throw Error("the training state can only be taken during fit()");
  TrainingState state;
  auto loader = train_loader_->state();
  // After an epoch's end the next run starts the following epoch from its first batch.
  state.epoch = epoch_finished_ ? state_.epoch + 1 : state_.epoch;
  state.next_batch = epoch_finished_ ? 0 : loader.next_batch;
  state.global_step = state_.global_step;
  state.skipped_batches = state_.skipped_batches;
  state.loader_generator = loader.generator.clone();
  if (loader.permutation.defined()) state.loader_permutation = loader.permutation.clone();
  state.rank = rank_state();
  if (options_.data_parallel) state.other_ranks = gather_other_ranks(state.rank);
  // The last finished epoch's metrics: a run resumed after its last epoch (killed while
  // testing, or finished) reports them as the uninterrupted run does.
  state.last_train_metrics = state_.train_metrics;
  for (const auto& optimizer : optimizers_) state.optimizers.push_back(optimizer_bytes(*optimizer));
  if (scaler_) state.loss_scale = scaler_->state();
  if (ema_) state.weight_averages = ema_->state();
  state.accumulated_gradients = accumulated_gradients();
  for (const auto& hook : hooks_) {
    HookState hook_state;
    hook->save_state(hook_state);
    if (!hook_state.empty()) state.hooks[hook->name()] = hook_state;
  }
  return state;
}

// Every rank sends its part to all; rank 0's checkpoint keeps ranks 1..N-1's.
std::vector<RankTrainingState> Runner::gather_other_ranks(const RankTrainingState& mine) const {
  const auto all = options_.data_parallel->communicator().all_gather_bytes(encode_rank_state(mine));
  std::vector<RankTrainingState> others;
  for (size_t r = 1; r < all.size(); ++r) others.push_back(decode_rank_state(all[r]));
  return others;
}

// A data-parallel state resumes only with the world size that took it.
const RankTrainingState& Runner::own_part(const TrainingState& state) const {
  const int64_t world = options_.data_parallel ? options_.data_parallel->world_size() : 1;
  if (state.world_size() != world)
    throw Error("checkpoint was written by a run of world size " + std::to_string(state.world_size()) +
                "; resume it with that many ranks (this run has " + std::to_string(world) + ")");
  const int rank = options_.data_parallel ? options_.data_parallel->rank() : 0;
  return rank == 0 ? state.rank : state.other_ranks[static_cast<size_t>(rank - 1)];
}

void Runner::restore(const TrainingState& state) {
  // Everything checked before anything changes.
  const auto& mine = own_part(state);
  if (state.optimizers.size() != optimizers_.size())
    throw Error("the training state holds " + std::to_string(state.optimizers.size()) + " optimizer(s), this run has " +
                std::to_string(optimizers_.size()));
  if (scaler_ && !state.loss_scale)
    throw Error("checkpoint lacks the fp16 loss scale (runner.precision differs from the checkpointed run's)");
  if (ema_ && !state.weight_averages)
    throw Error("checkpoint lacks the weight averages (runner.ema_decay was off when it was written)");
  if (!mine.rng.defined() || !state.loader_generator.defined())
    throw Error("the training state has no generator states");
  if (scaler_) scaler_->restore(*state.loss_scale);
  if (ema_) ema_->restore(*state.weight_averages);
  for (size_t i = 0; i < optimizers_.size(); ++i) load_optimizer(*optimizers_[i], state.optimizers[i], i);
  for (const auto& hook : hooks_) {
    const auto found = state.hooks.find(hook->name());
    if (found != state.hooks.end()) hook->load_state(found->second);
  }
  resume_ = state;
  resume_->rank = mine;
  resume_->other_ranks.clear();
  state_.train_metrics = state.last_train_metrics;
  // The last epoch that ran (all of it when the state was taken at an epoch's end).
  state_.epoch = state.next_batch == 0 ? state.epoch - 1 : state.epoch;
  state_.global_step = state.global_step;
  at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle to the global one
  global.set_state(mine.rng);
}

}  // namespace modlr
