#pragma once
// The NCCL process group, kept in its own translation unit: its header pulls in the CUDA
// runtime's, which only a CUDA build of libtorch has. Internal to src/distributed.
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "modlr/distributed/world.h"

namespace modlr {

/// True when this libtorch has c10d's NCCL backend (a CUDA build).
bool nccl_available();

/// NCCL collectives for CUDA tensors on device cuda:<world.local_rank>, which becomes this
/// process's current device. `store` must be private to this group (a PrefixStore).
/// Throws modlr::Error naming the rank when this build has no NCCL or the host has no
/// such GPU (NCCL needs one GPU per rank on a host).
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    const WorldOptions& world);

}  // namespace modlr
