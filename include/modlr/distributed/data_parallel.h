#pragma once
/// Data-parallel training as PyTorch's DistributedDataParallel does it, on a Communicator:
/// rank 0's parameters and buffers are broadcast at the start; during each backward pass
/// the gradients of the optimizer stage being trained are copied (scaled by this rank's
/// share of the global batch) into flat buckets of about `bucket_bytes`, and a bucket's
/// sum all-reduce starts from the autograd hook that completes it, so communication
/// overlaps the rest of the backward pass. Buckets are filled in reverse parameter order
/// (roughly the order backward produces gradients) and launched strictly in bucket order,
/// the same on every rank. After backward the summed gradients are copied back into
/// `.grad`: every rank then holds the gradient of the global batch's mean loss, and the
/// optimizers, stepping identically, keep the replicas equal.
///
/// The runner (runner.h) calls begin_backward / end_backward around each stage's backward
/// and merges metrics and sums through this class; a single-process run has none.
/// Thread-safety: one training thread; the hooks run on it (CPU autograd) or on autograd's
/// device threads, which never run concurrently with that thread's other calls here.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace modlr {

class Communicator;
class MetricSuite;
class ModelSet;

struct DataParallelOptions {
  /// Gradient bytes per bucket (runner.distributed.bucket_mb); 0 = one bucket per parameter.
  int64_t bucket_bytes = int64_t{25} * 1024 * 1024;
  /// Launch each bucket's all-reduce from the hook that completes it (overlap with the
  /// backward pass); false: all of them after backward (bench/scaling's baseline).
  bool overlap = true;
  /// Before every forward, rank 0's buffers (batch-norm running statistics) replace the
  /// others' (DDP's broadcast_buffers), so every replica evaluates alike.
  bool broadcast_buffers = true;
};

class DataParallel {
 public:
  /// `stages[i]`: the parameters optimizer stage i updates (disjoint). The communicator
  /// must outlive this object; hooks are removed again by the destructor.
  DataParallel(Communicator& communicator, const std::vector<std::vector<torch::Tensor>>& stages,
               DataParallelOptions options);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const;
  int world_size() const;
  Communicator& communicator() { return communicator_; }

  /// Every model's parameters and buffers from rank 0 (start of training).
  void broadcast_models(ModelSet& models);
  /// Buffers only, when options.broadcast_buffers (before each training forward).
  void broadcast_buffers(ModelSet& models);

  /// Before stage `stage`'s backward: this rank's gradients count with `share` (its
  /// examples / the global batch's; 0 for a rank whose slice is empty: it calls
  /// end_backward without a backward and contributes zeros).
  void begin_backward(size_t stage, double share);
  /// What all ranks agreed on for this step.
  struct Agreement {
    bool finite = true;   ///< every rank's objective was finite
    int stop_signal = 0;  ///< a stop (SIGINT/SIGTERM) requested on some rank, else 0
  };
  /// After the backward: launches the buckets not yet launched (zeros for parameters that
  /// got no gradient), agrees on the flags, waits, and writes the summed gradients back.
  Agreement end_backward(size_t stage, bool locally_finite, int local_stop_signal);

  /// Replaces `metrics` by the merge of every rank's, in rank order (same on all ranks).
  void merge(MetricSuite& metrics);
  /// Sums over ranks, by name, in place (a name missing on a rank counts as 0); added in
  /// rank order, so every rank gets the same bits.
  void sum(std::map<std::string, double>& values);

 private:
  struct Bucket;
  struct Stage;
  void on_gradient(size_t stage, size_t slot, const torch::Tensor& grad);
  void launch_ready(Stage& stage);
  void broadcast_flat(std::vector<torch::Tensor>& tensors);

  Communicator& communicator_;
  DataParallelOptions options_;
  std::vector<std::unique_ptr<Stage>> stages_;
  size_t active_ = 0;
  bool in_backward_ = false;
  double share_ = 1.0;
};

}  // namespace modlr
