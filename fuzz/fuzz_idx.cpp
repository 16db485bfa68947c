// libFuzzer target: the IDX parser (data files are untrusted input). Any input must either
// parse or raise modlr::Error; anything else (a crash, a sanitizer report, a leak, another
// exception type) is a bug.
#include <cstdint>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/idx.h"

// Differential: the header alone (parse_idx_dims, which shapes are checked by before any
// data is read) declares the same dimensions as the full parse whenever that succeeds.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  std::vector<uint32_t> header_dims;
  try {
    header_dims = modlr::formats::parse_idx_dims(bytes, "fuzz");
  } catch (const modlr::Error&) {
  }
  try {
    const auto array = modlr::formats::parse_idx(bytes, "fuzz");
    if (array.count() * array.item_size() != array.data.size()) __builtin_trap();  // parser contract
    if (array.dims != header_dims) __builtin_trap();
  } catch (const modlr::Error&) {
  }
  return 0;
}
