// TrainingState in a checkpoint's "training" archive. The layout is the one modlr's .pt
// checkpoints have had since resumable runs began, so every earlier checkpoint resumes:
//   progress            int64 [epoch, next_batch, global_step, skipped_batches, examples_seen]
//   loader_generator, loader_permutation (optional)
//   rng, loader_augment_generator (optional), metrics/*, objective_sums/*, examples_seen
//                       rank 0's part, at the top level
//   last_train_metrics/*, grad_scaler/{scale, growth_tracker}, ema/{updates, f<i>, i<i>},
//   accumulated_gradients/<i>   optional
//   optimizer<i>        libtorch's optimizer archive
//   hooks/<hook>/*      float64 scalars
//   ranks/{world_size, <r>}  data-parallel: rank r's part, encoded as its own archive
#include "modlr/tracking/training_state.h"

#include <torch/serialize.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "modlr/core/error.h"

namespace modlr {
namespace {

using OutArchive = torch::serialize::OutputArchive;
using InArchive = torch::serialize::InputArchive;

torch::Tensor read_tensor(InArchive& archive, const std::string& key) {
  torch::Tensor value;
  if (!archive.try_read(key, value)) throw Error("checkpoint lacks training state '" + key + "'");
  return value;
}

InArchive read_child(InArchive& archive, const std::string& key) {
  InArchive child;
  if (!archive.try_read(key, child)) throw Error("checkpoint lacks training state '" + key + "'");
  return child;
}

bool has_key(InArchive& archive, const std::string& key) {
  const auto keys = archive.keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void write_numbers(OutArchive& archive, const std::string& key, const std::map<std::string, double>& numbers) {
  OutArchive child;
  for (const auto& [name, value] : numbers) child.write(name, torch::tensor(value, torch::kFloat64));
  archive.write(key, child);
}

std::map<std::string, double> read_numbers(InArchive& archive, const std::string& key) {
  auto child = read_child(archive, key);
  std::map<std::string, double> out;
  for (const auto& name : child.keys()) {
    const auto value = read_tensor(child, name);
    if (value.numel() != 1) throw Error("checkpoint: training state '" + key + "/" + name + "' is not a number");
    out[name] = value.item<double>();
  }
  return out;
}

void write_rank(OutArchive& archive, const RankTrainingState& rank) {
  archive.write("rng", rank.rng);
  if (rank.loader_augment_generator.defined()) archive.write("loader_augment_generator", rank.loader_augment_generator);
  OutArchive metrics;
  for (const auto& [name, tensor] : rank.metric_states) metrics.write(name, tensor);
  archive.write("metrics", metrics);
  write_numbers(archive, "objective_sums", rank.objective_sums);
  archive.write("examples_seen", torch::tensor(rank.examples_seen));
}

RankTrainingState read_rank(InArchive& archive, int64_t examples_seen) {
  RankTrainingState rank;
  rank.rng = read_tensor(archive, "rng");
  archive.try_read("loader_augment_generator", rank.loader_augment_generator);
  auto metrics = read_child(archive, "metrics");
  for (const auto& name : metrics.keys()) rank.metric_states[name] = read_tensor(metrics, name);
  rank.objective_sums = read_numbers(archive, "objective_sums");
  torch::Tensor examples;
  rank.examples_seen = archive.try_read("examples_seen", examples) ? examples.item<int64_t>() : examples_seen;
  return rank;
}

std::string archive_bytes(OutArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void load_bytes(InArchive& archive, const std::string& bytes) {
  std::istringstream in(bytes);
  try {
    archive.load_from(in);
  } catch (const c10::Error& e) {
    throw Error("checkpoint: malformed training state archive (" + std::string(e.what_without_backtrace()) + ")");
  }
}

// A copy of an archive's tree (tensors, values, child archives): the optimizer's state
// moves between its own archive (its opaque bytes in the value) and the checkpoint's.
void copy_archive(InArchive& from, OutArchive& to) {
  for (const auto& key : from.keys()) {
    InArchive child;
    torch::Tensor tensor;
    c10::IValue value;
    if (from.try_read(key, child)) {
      OutArchive copy(to.compilation_unit());
      copy_archive(child, copy);
      to.write(key, copy);
    } else if (from.try_read(key, tensor)) {
      to.write(key, tensor);
    } else if (from.try_read(key, value)) {
      to.write(key, value);
    }
  }
}

void write_optional_parts(OutArchive& archive, const TrainingState& state) {
  if (state.loss_scale) {
    OutArchive scaler;
    scaler.write("scale", state.loss_scale->scale);
    scaler.write("growth_tracker", state.loss_scale->growth_tracker);
    archive.write("grad_scaler", scaler);
  }
  if (!state.accumulated_gradients.empty()) {
    OutArchive gradients;
    for (size_t i = 0; i < state.accumulated_gradients.size(); ++i)
      if (state.accumulated_gradients[i].defined()) gradients.write(std::to_string(i), state.accumulated_gradients[i]);
    archive.write("accumulated_gradients", gradients);
  }
  if (state.weight_averages) {
    OutArchive ema;
    ema.write("updates", torch::tensor(state.weight_averages->updates));
    for (size_t i = 0; i < state.weight_averages->floating.size(); ++i)
      ema.write("f" + std::to_string(i), state.weight_averages->floating[i]);
    for (size_t i = 0; i < state.weight_averages->integers.size(); ++i)
      ema.write("i" + std::to_string(i), state.weight_averages->integers[i]);
    archive.write("ema", ema);
  }
}

// Indexed entries "<prefix>0", "<prefix>1", ... up to the first one missing.
std::vector<torch::Tensor> read_indexed(InArchive& archive, const std::string& prefix) {
  std::vector<torch::Tensor> out;
  for (torch::Tensor tensor; archive.try_read(prefix + std::to_string(out.size()), tensor); tensor = torch::Tensor())
    out.push_back(tensor);
  return out;
}

void read_optional_parts(InArchive& archive, TrainingState& state) {
  InArchive scaler, gradients, ema;
  if (archive.try_read("grad_scaler", scaler)) {
    TrainingState::LossScale scale{read_tensor(scaler, "scale"), read_tensor(scaler, "growth_tracker")};
    if (scale.scale.numel() != 1 || scale.growth_tracker.numel() != 1)
      throw Error("checkpoint: malformed fp16 loss scale");
    state.loss_scale = scale;
  }
  if (archive.try_read("accumulated_gradients", gradients)) {
    for (const auto& key : gradients.keys()) {
      if (key.empty() || key.size() > 7 || key.find_first_not_of("0123456789") != std::string::npos)
        throw Error("checkpoint: accumulated gradient '" + key + "' is not a parameter index");
      const auto index = std::stoul(key);
      if (state.accumulated_gradients.size() <= index) state.accumulated_gradients.resize(index + 1);
      state.accumulated_gradients[index] = read_tensor(gradients, key);
    }
  }
  if (archive.try_read("ema", ema)) {
    TrainingState::WeightAverages averages;
    averages.updates = read_tensor(ema, "updates").item<int64_t>();
    averages.floating = read_indexed(ema, "f");
    averages.integers = read_indexed(ema, "i");
    state.weight_averages = std::move(averages);
  }
}

}  // namespace

void write_training_state(OutArchive& archive, const TrainingState& state) {
  archive.write("progress", torch::tensor({state.epoch, state.next_batch, state.global_step, state.skipped_batches,
                                           state.rank.examples_seen}));
  archive.write("loader_generator", state.loader_generator);
  if (state.loader_permutation.defined()) archive.write("loader_permutation", state.loader_permutation);
  write_rank(archive, state.rank);
  write_numbers(archive, "last_train_metrics", state.last_train_metrics);
  write_optional_parts(archive, state);
  for (size_t i = 0; i < state.optimizers.size(); ++i) {
    InArchive optimizer;
    load_bytes(optimizer, state.optimizers[i]);
    OutArchive copy(archive.compilation_unit());
    copy_archive(optimizer, copy);
    archive.write("optimizer" + std::to_string(i), copy);
  }
  OutArchive hooks;
  for (const auto& [name, numbers] : state.hooks) write_numbers(hooks, name, numbers);
  archive.write("hooks", hooks);
  if (state.other_ranks.empty()) return;
  OutArchive ranks;
  ranks.write("world_size", torch::tensor(state.world_size()));
  for (size_t r = 0; r < state.other_ranks.size(); ++r) {
    const auto bytes = encode_rank_state(state.other_ranks[r]);
    auto tensor = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
    std::memcpy(tensor.data_ptr<uint8_t>(), bytes.data(), bytes.size());
    ranks.write(std::to_string(r + 1), tensor);
  }
  archive.write("ranks", ranks);
}

TrainingState read_training_state(InArchive& archive) {
  TrainingState state;
  const auto progress = read_tensor(archive, "progress");
  if (progress.numel() != 5 || progress.scalar_type() != torch::kInt64)
    throw Error("checkpoint: malformed progress record");
  state.epoch = progress[0].item<int64_t>();
  state.next_batch = progress[1].item<int64_t>();
  state.global_step = progress[2].item<int64_t>();
  state.skipped_batches = progress[3].item<int64_t>();
  state.loader_generator = read_tensor(archive, "loader_generator");
  archive.try_read("loader_permutation", state.loader_permutation);
  state.rank = read_rank(archive, progress[4].item<int64_t>());
  if (has_key(archive, "last_train_metrics"))  // absent in the earliest checkpoints
    state.last_train_metrics = read_numbers(archive, "last_train_metrics");
  read_optional_parts(archive, state);
  for (InArchive optimizer; archive.try_read("optimizer" + std::to_string(state.optimizers.size()), optimizer);
       optimizer = InArchive()) {
    OutArchive copy;
    copy_archive(optimizer, copy);
    state.optimizers.push_back(archive_bytes(copy));
  }
  auto hooks = read_child(archive, "hooks");
  for (const auto& name : hooks.keys()) state.hooks[name] = read_numbers(hooks, name);
  InArchive ranks;
  if (!archive.try_read("ranks", ranks)) return state;
  const int64_t world_size = read_tensor(ranks, "world_size").item<int64_t>();
  if (world_size < 1 || world_size > 1 << 16)
    throw Error("checkpoint: world size " + std::to_string(world_size) + " out of range");
  for (int64_t r = 1; r < world_size; ++r) {
    const auto bytes = read_tensor(ranks, std::to_string(r)).contiguous();
    if (bytes.scalar_type() != torch::kUInt8)
      throw Error("checkpoint: rank " + std::to_string(r) + "'s state is not bytes");
    state.other_ranks.push_back(decode_rank_state(
        std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()))));
  }
  return state;
}

std::string encode_rank_state(const RankTrainingState& state) {
  OutArchive archive;
  write_rank(archive, state);
  return archive_bytes(archive);
}

RankTrainingState decode_rank_state(const std::string& bytes) {
  InArchive archive;
  load_bytes(archive, bytes);
  return read_rank(archive, 0);
}

}  // namespace modlr
