#include "modlr/formats/cifar.h"

#include <cstring>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::formats {

CifarRecords parse_cifar10(const std::vector<uint8_t>& bytes, const std::string& source_name) {
  if (bytes.empty()) throw Error(source_name + ": empty CIFAR-10 file (no records)");
  if (bytes.size() % kCifarRecord != 0) {
    throw Error(source_name + ": size " + std::to_string(bytes.size()) +
                " bytes is not a multiple of the 3073-byte CIFAR-10 record (" +
                std::to_string(bytes.size() / kCifarRecord) + " whole records and " +
                std::to_string(bytes.size() % kCifarRecord) + " bytes left over): truncated or not CIFAR-10");
  }
  const size_t n = bytes.size() / kCifarRecord;
  CifarRecords out;
  out.labels.resize(n);
  out.pixels.resize(n * kCifarPixels);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* record = bytes.data() + i * kCifarRecord;
    if (record[0] >= kCifarClasses) {
      throw Error(source_name + ": record " + std::to_string(i) + " has label " +
                  std::to_string(record[0]) + ", expected 0..9 (label out of range)");
    }
    out.labels[i] = record[0];
    std::memcpy(out.pixels.data() + i * kCifarPixels, record + 1, kCifarPixels);
  }
  return out;
}

CifarRecords read_cifar10(const std::string& path, const DecodeLimits& limits) {
  return parse_cifar10(read_file_bytes(path, limits), path);
}

}  // namespace modlr::formats
