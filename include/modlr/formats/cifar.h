#pragma once
/// The CIFAR-10 binary format (cifar-10-batches-bin): no header, a sequence of 3,073-byte
/// records, each 1 label byte (0..9) followed by 3,072 pixel bytes: the 1024 red, then the
/// 1024 green, then the 1024 blue values of a 32x32 image, each plane row-major. Files may
/// be gzipped (see read_file_bytes). Every failure throws modlr::Error with one line naming
/// the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/formats/file_bytes.h"

namespace modlr::formats {

constexpr size_t kCifarSide = 32;
constexpr size_t kCifarChannels = 3;
constexpr size_t kCifarPixels = kCifarChannels * kCifarSide * kCifarSide;  ///< 3072
constexpr size_t kCifarRecord = 1 + kCifarPixels;                          ///< 3073
constexpr int kCifarClasses = 10;

/// Parsed records. Invariant after parse_cifar10: count() > 0, labels.size() == count(),
/// pixels.size() == count() * 3072 laid out [N, 3, 32, 32] (channel planes as stored),
/// every label < 10.
struct CifarRecords {
  std::vector<uint8_t> labels;
  std::vector<uint8_t> pixels;
  size_t count() const { return labels.size(); }
};

/// Parses CIFAR-10 binary bytes. `source_name` (usually the file path) prefixes every
/// error. Rejects: no bytes ("empty"), a size that is not a multiple of 3,073 (naming the
/// size and the record count it would hold), and a label > 9 (naming the record).
CifarRecords parse_cifar10(const std::vector<uint8_t>& bytes, const std::string& source_name);

/// The records in `size` bytes of CIFAR-10 content; parse_cifar10's size errors otherwise.
size_t cifar10_record_count(uint64_t size, const std::string& source_name);
/// `label` of record `record` if it is 0..9; parse_cifar10's label error otherwise.
uint8_t check_cifar10_label(uint8_t label, size_t record, const std::string& source_name);

/// parse_cifar10(read_file_bytes(path), path): reads a raw or gzipped CIFAR-10 batch file.
CifarRecords read_cifar10(const std::string& path, const DecodeLimits& limits = {});

}  // namespace modlr::formats
