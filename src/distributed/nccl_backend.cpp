#include "nccl_backend.h"

#ifdef USE_C10D_NCCL  // defined by libtorch's CMake package for a CUDA build
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "modlr/core/error.h"

namespace modlr {

bool nccl_available() {
#ifdef USE_C10D_NCCL
  return true;
#else
  return false;
#endif
}

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    const WorldOptions& world) {
  const std::string rank = "distributed: rank " + std::to_string(world.rank);
#ifdef USE_C10D_NCCL
  const int devices = c10::cuda::device_count();  // NOLINT(bugprone-signed-char-misuse): a count, never negative
  if (world.local_rank >= devices)
    throw Error(rank + ": backend nccl needs one GPU per rank, but LOCAL_RANK " + std::to_string(world.local_rank) +
                " is past this host's " + std::to_string(devices) + " CUDA device(s) (start fewer ranks per host)");
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(world.local_rank));
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = world.timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, world.rank, world.world_size, options);
#else
  (void)store;
  throw Error(rank +
              ": backend nccl is not in this build (libtorch without CUDA): use runner.distributed.backend=gloo");
#endif
}

}  // namespace modlr
