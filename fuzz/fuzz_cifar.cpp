// libFuzzer target: the CIFAR-10 binary parser (data files are untrusted input), entered
// the way a data file reaches it: through the gzip-or-raw decoder. Any input must either
// parse or raise modlr::Error; anything else (a crash, a sanitizer report, a leak, another
// exception type) is a bug.
#include <cstdint>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/cifar.h"
#include "modlr/formats/file_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto bytes = modlr::formats::decode_bytes(std::vector<uint8_t>(data, data + size), "fuzz");
    const auto records = modlr::formats::parse_cifar10(bytes, "fuzz");
    // The parser's contract: whole records, planes of 3072 bytes, labels 0..9.
    if (records.count() == 0 || records.pixels.size() != records.count() * modlr::formats::kCifarPixels ||
        records.count() * modlr::formats::kCifarRecord != bytes.size())
      __builtin_trap();
    for (auto label : records.labels)
      if (label > 9) __builtin_trap();
  } catch (const modlr::Error&) {
  }
  return 0;
}
