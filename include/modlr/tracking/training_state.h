#pragma once
/// TrainingState: everything a resumable run holds beyond the models' weights, as a plain
/// value. Runner::training_state() returns one, Runner::restore() continues from one bit for
/// bit; a program may keep it in memory (roll back, branch a run) or store it anywhere.
/// tracking/ owns the files: write_training_state/read_training_state encode it as the
/// "training" archive of a resumable checkpoint (the layout modlr's .pt checkpoints have
/// always had, so older checkpoints still resume), and CheckpointStore names, rotates and
/// points `latest` at them.
///
/// A value shares no tensor storage with a live run (the runner copies); tensors are on the
/// CPU unless noted. Copying a value copies tensor handles, not data (torch semantics).
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace modlr {

/// The part of the state that differs between the ranks of a data-parallel run.
struct RankTrainingState {
  torch::Tensor rng;                       ///< the global CPU generator's state (uint8)
  torch::Tensor loader_augment_generator;  ///< undefined when the loader does not augment
  /// The current epoch's training-metric accumulators (MetricSuite::state()), by name.
  std::map<std::string, torch::Tensor> metric_states;
  std::map<std::string, double> objective_sums;  ///< the epoch's sums of objective x batch size
  int64_t examples_seen = 0;                     ///< training examples of the epoch so far
};

struct TrainingState {
  /// The epoch a resumed fit() runs first, and its first batch (0: from its start; then the
  /// epoch's partial sums in `rank` are not used).
  int64_t epoch = 1;
  int64_t next_batch = 0;
  int64_t global_step = 0;           ///< optimisation steps taken so far
  int64_t skipped_batches = 0;       ///< batches skipped for a non-finite loss (on_nan: skip_batch)
  torch::Tensor loader_generator;    ///< the shuffling generator's state
  torch::Tensor loader_permutation;  ///< the epoch's example order; undefined when unshuffled
  RankTrainingState rank;            ///< this process's part (rank 0's in a data-parallel run)
  /// Data-parallel: ranks 1..N-1's parts, in rank order; empty for a single process.
  std::vector<RankTrainingState> other_ranks;
  /// The last finished epoch's training metrics (what a run resumed after it reports).
  std::map<std::string, double> last_train_metrics;
  /// Each optimizer stage's state in configured order, in libtorch's archive encoding
  /// (torch::optim::Optimizer::save): opaque bytes.
  std::vector<std::string> optimizers;
  /// fp16 loss scaling (runner.precision: fp16): scale (float32) and growth counter (int32).
  struct LossScale {
    torch::Tensor scale, growth_tracker;
  };
  std::optional<LossScale> loss_scale;
  /// The weights' moving averages (runner.ema_decay > 0), in WeightAverage's order.
  struct WeightAverages {
    int64_t updates = 0;
    std::vector<torch::Tensor> floating, integers;
  };
  std::optional<WeightAverages> weight_averages;
  /// An unfinished accumulation group's gradients (runner.accumulate_steps), by parameter of
  /// the one optimizer, on the parameters' device (undefined: no gradient yet); empty
  /// between groups.
  std::vector<torch::Tensor> accumulated_gradients;
  /// The stateful hooks' numbers, by hook name (Hook::save_state).
  std::map<std::string, std::map<std::string, double>> hooks;

  int64_t world_size() const { return 1 + static_cast<int64_t>(other_ranks.size()); }
};

/// Writes `state` into `archive` (a checkpoint's "training" archive).
void write_training_state(torch::serialize::OutputArchive& archive, const TrainingState& state);
/// Reads what write_training_state wrote. Throws modlr::Error naming the first missing or
/// malformed entry ("checkpoint lacks training state 'progress'").
TrainingState read_training_state(torch::serialize::InputArchive& archive);

/// One rank's part as bytes (what a data-parallel checkpoint stores per rank, and what the
/// ranks exchange when one is taken), and back; decoding throws modlr::Error on bad bytes.
std::string encode_rank_state(const RankTrainingState& state);
RankTrainingState decode_rank_state(const std::string& bytes);

}  // namespace modlr
