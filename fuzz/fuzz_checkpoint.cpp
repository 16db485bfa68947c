// libFuzzer target: the gate in front of every .pt read (formats/checksummed.h). The input's
// first 65 bytes become `x.pt.sha256`, the rest `x.pt`; the gate must either refuse with
// modlr::Error or return exactly the bytes whose SHA-256 the checksum file holds. libtorch's
// reader only ever sees bytes that passed it.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/checksummed.h"
#include "modlr/formats/sha256.h"

namespace {

const std::string& work_dir() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/modlr-fuzz-checkpoint-XXXXXX";
    return std::string(::mkdtemp(pattern));
  }();
  return dir;
}

void write(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = work_dir() + "/x.pt";
  const size_t checksum_size = size < 65 ? size : 65;
  write(modlr::formats::checksum_path(path), data, checksum_size);
  write(path, data + checksum_size, size - checksum_size);
  try {
    const auto bytes = modlr::formats::read_checksummed(path);
    const std::string recorded(reinterpret_cast<const char*>(data), 64);
    if (bytes.size() != size - checksum_size || modlr::formats::sha256_hex(bytes) != recorded) __builtin_trap();
  } catch (const modlr::Error&) {
  }
  return 0;
}
