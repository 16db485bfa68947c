#include "modlr/core/device.h"

// MODLR_WITH_CUDA is defined for this file alone when libtorch is a CUDA build (CMakeLists),
// so a CPU libtorch builds modlr too, and no other file recompiles for it.
#ifdef MODLR_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAFunctions.h>
#include <torch/cuda.h>
#endif

namespace modlr {

int64_t cuda_memory_bytes(int index) {
#ifdef MODLR_WITH_CUDA
  if (index < 0 || index >= static_cast<int>(torch::cuda::device_count())) return 0;
  return static_cast<int64_t>(at::cuda::getDeviceProperties(index)->totalGlobalMem);
#else
  (void)index;
  return 0;
#endif
}

int cuda_compute_capability(int index) {
#ifdef MODLR_WITH_CUDA
  if (index < 0 || index >= static_cast<int>(torch::cuda::device_count())) return 0;
  const auto* properties = at::cuda::getDeviceProperties(index);
  return properties->major * 10 + properties->minor;
#else
  (void)index;
  return 0;
#endif
}

bool select_cuda_device(int index) {
#ifdef MODLR_WITH_CUDA
  if (index < 0 || index >= static_cast<int>(torch::cuda::device_count())) return false;
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(index));
  return true;
#else
  (void)index;
  return false;
#endif
}

}  // namespace modlr
