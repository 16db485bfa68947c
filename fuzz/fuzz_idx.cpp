// libFuzzer target: the IDX parser (data files are untrusted input). Any input must either
// parse or raise modlr::Error; anything else (a crash, a sanitizer report, a leak, another
// exception type) is a bug.
#include <cstdint>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto array = modlr::formats::parse_idx(std::vector<uint8_t>(data, data + size), "fuzz");
    if (array.count() * array.item_size() != array.data.size()) __builtin_trap();  // parser contract
  } catch (const modlr::Error&) {
  }
  return 0;
}
