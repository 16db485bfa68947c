// libFuzzer target: transparent gzip decoding of data files (corrupt, truncated, trailing
// garbage, concatenated members). Input must decode or raise modlr::Error.
#include <cstdint>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    modlr::formats::decode_bytes(std::vector<uint8_t>(data, data + size), "fuzz.gz");
  } catch (const modlr::Error&) {
  }
  return 0;
}
