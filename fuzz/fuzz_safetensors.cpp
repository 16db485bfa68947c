// libFuzzer target: the safetensors reader (weights files are untrusted input). Input must
// parse into tensors whose byte counts match dtype and shape, or raise modlr::Error.
#include <cstdint>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto content = modlr::formats::parse_safetensors(std::vector<uint8_t>(data, data + size), "fuzz");
    for (const auto& tensor : content.tensors) {
      size_t elements = 1;
      for (auto d : tensor.shape) elements *= static_cast<size_t>(d);
      if (elements * modlr::formats::dtype_size(tensor.dtype) != tensor.data.size()) __builtin_trap();
    }
  } catch (const modlr::Error&) {
  }
  return 0;
}
