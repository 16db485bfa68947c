#pragma once
/// Batches a TensorData: seeded shuffling, optional drop-last, and background prefetch.
///
/// Each epoch draws its permutation with torch::randperm from the loader's own generator
/// (seeded once with the run seed), exactly as PyTorch Python's
/// `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` does, so a modlr run
/// and its Python twin see the same batches in the same order. Batches are cut from the
/// in-memory tensors with one index_select (or a zero-copy slice when not shuffling),
/// never assembled example by example, on the device the data lives on (dataset.device):
/// the permutation and the augmentation draws come from CPU generators whatever that device
/// is (so CPU and GPU runs see the same batches, and checkpoints hold the generators'
/// states), and only the indices travel to the device, once per epoch.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "modlr/dataset/augment.h"
#include "modlr/dataset/batch.h"

namespace modlr {

struct LoaderOptions {
  int64_t batch_size = 32;  ///< > 0
  bool shuffle = false;
  bool drop_last = false;  ///< drop a final batch smaller than batch_size
  int64_t prefetch = 2;    ///< batches assembled ahead on a background thread; 0 = inline
  uint64_t seed = 0;       ///< seeds the shuffle generator (and, via augment_seed, the augmenter)
  AugmentOptions augment;  ///< applied in next() to every batch handed out, when enabled
  /// Cut batches into page-locked memory, so copying them to a GPU is asynchronous (set by
  /// the Dataset when the data stays on the host for a CUDA run; needs a CUDA libtorch).
  bool pin_memory = false;
  /// Data-parallel sharding (distributed/data_parallel.h): with shard_count N, each step
  /// takes a global batch of N * batch_size consecutive rows of the epoch's permutation
  /// (every rank draws the same one from `seed`) and this loader hands out slice
  /// `shard_rank` of it. A final global batch of m < N * batch_size rows is cut into N
  /// slices of m / N rows (the first m % N one more; some may be empty), unless drop_last
  /// drops it. So no row comes twice in an epoch, and the N ranks together see exactly the
  /// batches one process with batch N * batch_size would. Augmentation draws differ per rank.
  int64_t shard_rank = 0;
  int64_t shard_count = 1;
  /// Length bucketing (shuffled loaders): the name of an int64 [N] field of per-example
  /// lengths ("" = off). Each epoch's permutation is cut into pools of bucket_pool global
  /// batches, each pool sorted by length (stable, shortest first), cut into batches, and
  /// the full batches put in an order drawn from the same generator (randperm), the
  /// partial last batch kept last: batches of similar lengths, so little padding, in a
  /// random order. The result is the epoch's permutation (state(), resume).
  std::string bucket_by;
  int64_t bucket_pool = 100;
};

class BatchLoader {
 public:
  BatchLoader(TensorData data, const LoaderOptions& options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t examples() const { return data_.size(); }
  int64_t batches_per_epoch() const;
  const LoaderOptions& options() const { return options_; }
  /// Rows in global batch `index` (all shards together; = this loader's batch when unsharded).
  int64_t global_batch_examples(int64_t index) const;
  /// global_batch_examples of the batch next() handed out last.
  int64_t last_global_examples() const { return global_batch_examples(next_index_ - 1); }

  /// Starts an epoch: draws the next permutation (when shuffling) and starts prefetching.
  /// Abandons any batches left from the previous epoch.
  void start_epoch();
  /// Moves the next batch of this epoch into `out` (augmented here, on the caller's thread,
  /// so the augmentation draws follow the batches handed out); false when the epoch is
  /// exhausted.
  bool next(Batch& out);
  /// The permutation of the current epoch (empty when not shuffling); for tests.
  const torch::Tensor& permutation() const { return permutation_; }

  /// Where the loader stands, exactly: the shuffle generator's state (after drawing the
  /// current epoch's permutation), that permutation, the next batch index and, when
  /// augmenting, the augmentation generator's state (after the batches handed out so far).
  struct State {
    torch::Tensor generator;
    torch::Tensor permutation;
    int64_t next_batch = 0;
    torch::Tensor augment_generator;  ///< undefined when the loader does not augment
  };
  State state() const;
  /// Continues the epoch a State describes at its next batch (without drawing a new
  /// permutation); the following start_epoch() draws what the original run drew.
  void resume_epoch(const State& state);

 private:
  Batch assemble(int64_t index) const;
  bool take_next(Batch& out);
  void begin_at(int64_t first_batch);
  void set_permutation(torch::Tensor permutation);
  /// `permutation` with length bucketing applied (options.bucket_by); draws the batch order.
  torch::Tensor bucketed(const torch::Tensor& permutation);
  void stop_prefetch();
  void prefetch_loop(int64_t first, int64_t count);

  TensorData data_;
  LoaderOptions options_;
  torch::Generator generator_;
  std::unique_ptr<BatchAugmenter> augmenter_;  ///< null when options.augment is off
  torch::Tensor permutation_;
  torch::Tensor device_permutation_;  ///< permutation_ on the data's device (the same tensor on the CPU)
  int64_t next_index_ = 0;
  int64_t batches_ = 0;

  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  std::exception_ptr worker_error_;
  bool stopping_ = false;
};

}  // namespace modlr
