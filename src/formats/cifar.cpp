#include "modlr/formats/cifar.h"

#include <cstring>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::formats {

size_t cifar10_record_count(uint64_t size, const std::string& source_name) {
  if (size == 0) throw Error(source_name + ": empty CIFAR-10 file (no records)");
  if (size % kCifarRecord != 0) {
    throw Error(source_name + ": size " + std::to_string(size) +
                " bytes is not a multiple of the 3073-byte CIFAR-10 record (" + std::to_string(size / kCifarRecord) +
                " whole records and " + std::to_string(size % kCifarRecord) +
                " bytes left over): truncated or not CIFAR-10");
  }
  return static_cast<size_t>(size / kCifarRecord);
}

uint8_t check_cifar10_label(uint8_t label, size_t record, const std::string& source_name) {
  if (label >= kCifarClasses)
    throw Error(source_name + ": record " + std::to_string(record) + " has label " + std::to_string(label) +
                ", expected 0..9 (label out of range)");
  return label;
}

CifarRecords parse_cifar10(const std::vector<uint8_t>& bytes, const std::string& source_name) {
  const size_t n = cifar10_record_count(bytes.size(), source_name);
  CifarRecords out;
  out.labels.resize(n);
  out.pixels.resize(n * kCifarPixels);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* record = bytes.data() + i * kCifarRecord;
    out.labels[i] = check_cifar10_label(record[0], i, source_name);
    std::memcpy(out.pixels.data() + i * kCifarPixels, record + 1, kCifarPixels);
  }
  return out;
}

CifarRecords read_cifar10(const std::string& path, const DecodeLimits& limits) {
  return parse_cifar10(read_file_bytes(path, limits), path);
}

}  // namespace modlr::formats
