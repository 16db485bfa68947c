#pragma once
/// Facts about the machine's accelerators that placement decisions need (no torch here).
#include <cstdint>

namespace modlr {

/// Total memory of CUDA device `index` in bytes; 0 when this build has no CUDA or the
/// device is not there. Thread-safe.
int64_t cuda_memory_bytes(int index);

/// Compute capability of CUDA device `index` as major * 10 + minor (90 for an H100/H200);
/// 0 when this build has no CUDA or the device is not there. bf16 needs >= 80.
int cuda_compute_capability(int index);

/// Makes CUDA device `index` this process's current one (where runner.device=cuda puts
/// tensors) when this build has CUDA and the device is there; returns whether it did. A
/// data-parallel rank calls it with its LOCAL_RANK before it builds anything on the GPU.
bool select_cuda_device(int index);

}  // namespace modlr
