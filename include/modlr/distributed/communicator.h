#pragma once
/// The process group of a data-parallel run: rendezvous through c10d's TCPStore (rank 0
/// hosts it at the master address) and collectives through c10d's Gloo backend (CPU
/// tensors) or NCCL (CUDA tensors). c10d stays inside communicator.cpp; this header is
/// torch-light so the runner can hold a Communicator without c10d's headers.
///
/// Every collective must be called by all ranks in the same order. A collective that fails
/// (a peer died, the master is gone, a timeout) throws modlr::Error naming the rank that
/// stopped answering: each rank bumps a heartbeat counter in the store from a background
/// thread, and after a failure the ranks whose counters stood still are the dead ones.
/// Thread-safety: one thread issues collectives; wait() may be called from it only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "modlr/distributed/world.h"

namespace modlr {

/// An asynchronous collective in flight.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  /// Blocks until the collective is done; throws modlr::Error naming a failed rank.
  virtual void wait() = 0;
};

class Communicator {
 public:
  /// Joins the job: connects to (rank 0: hosts) the store, checks that every rank agrees
  /// on the world size and that no rank joined twice, and builds the process group.
  /// Throws modlr::Error with one line for an unreachable master, a port in use, ranks
  /// missing after the timeout, or disagreeing world sizes.
  static std::unique_ptr<Communicator> join(const WorldOptions& options);
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual const WorldOptions& options() const = 0;

  /// In place, from `root`, blocking.
  virtual void broadcast(at::Tensor& tensor, int root = 0) = 0;
  /// In-place sum over ranks; asynchronous (the tensor must not be touched until wait()).
  virtual std::unique_ptr<PendingCollective> all_reduce_sum_async(at::Tensor& tensor) = 0;
  /// In-place element-wise maximum over ranks, blocking.
  virtual void all_reduce_max(at::Tensor& tensor) = 0;
  void all_reduce_sum(at::Tensor& tensor) { all_reduce_sum_async(tensor)->wait(); }
  /// Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> all_gather_bytes(const std::string& bytes) = 0;
  /// `root`'s bytes on every rank.
  virtual std::string broadcast_bytes(const std::string& bytes, int root = 0) = 0;
  /// Rank 0 publishes `text` under `what`; every other rank compares its own with it and
  /// throws modlr::Error (via `describe`, which gets rank 0's text and must name the first
  /// difference) when they differ. All ranks then pass a barrier.
  virtual void check_agreement(const std::string& what, const std::string& text,
                               std::string (*describe)(const std::string& mine, const std::string& theirs)) = 0;
  virtual void barrier() = 0;
};

}  // namespace modlr
