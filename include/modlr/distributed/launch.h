#pragma once
/// Starting the ranks of a data-parallel run. `modlr train CONFIG --nproc N` is a launcher:
/// it starts N copies of the same command line (less its launch flags) as worker ranks,
/// each with torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
/// MASTER_ADDR, MASTER_PORT), forwards SIGINT/SIGTERM to them and waits. A worker, or a
/// process torchrun started (`torchrun --no-python modlr train ...`), reads that
/// environment with world_from_environment(). No torch here.
#include <optional>
#include <string>
#include <utility>

#include "modlr/distributed/world.h"

namespace modlr {

struct LaunchOptions {
  int nproc = 1;       ///< ranks on this host (--nproc)
  int nnodes = 1;      ///< hosts (--nnodes)
  int node_rank = 0;   ///< this host's index (--node-rank); ranks node_rank*nproc + i
  std::string master;  ///< HOST:PORT of rank 0's rendezvous (--master); "" = this host, a free port
  /// How long the launcher waits for the other ranks once one has failed before it kills
  /// them (they stop by themselves within runner.distributed.timeout_seconds); at most 10 s
  /// once rank 0, which hosts the rendezvous, has failed.
  int grace_seconds = 90;
};

/// Starts the workers and waits for them. Returns 0 when every rank finished, otherwise the
/// first failed rank's exit status (128 + signal if it was killed), after printing one line
/// per failed rank. Throws modlr::Error for bad options (naming the flag).
int launch_workers(const LaunchOptions& options);

/// The rank this process is according to torchrun's environment variables, or nullopt
/// when WORLD_SIZE is unset (a single process; WORLD_SIZE=1 is a one-rank job, as in
/// PyTorch, which checks a backend without a second process). Throws modlr::Error naming the variable
/// when one is malformed or missing.
std::optional<WorldOptions> world_from_environment();

/// A loopback TCP port nothing listens on now (the kernel's pick); whoever binds it next
/// may race another process, so callers bind it at once. Throws modlr::Error.
int free_local_port();

/// "HOST:PORT" split; throws modlr::Error naming `flag` when malformed.
std::pair<std::string, int> parse_host_port(const std::string& text, const std::string& flag);

}  // namespace modlr
