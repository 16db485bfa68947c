#pragma once
/// Where a rank stands in a data-parallel job and how it reaches the others. No torch here.
#include <chrono>
#include <string>

namespace modlr {

struct WorldOptions {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  ///< index on its host (its GPU, for NCCL)
  std::string master_host = "127.0.0.1";
  int master_port = 29500;
  std::string backend = "gloo";  ///< gloo | nccl
  /// Rendezvous (all ranks joining) and each collective must finish within this.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

}  // namespace modlr
