#pragma once
/// The IDX format used by MNIST, Fashion-MNIST and KMNIST.
/// Layout: 0x00 0x00, a type byte (only 0x08 = unsigned byte is supported), a dimension
/// count byte (1..4 accepted), that many big-endian uint32 dimension sizes, then exactly
/// product(dims) data bytes. Files may be gzipped (see read_file_bytes).
/// Every failure throws modlr::Error with one line naming the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/formats/file_bytes.h"
#include "modlr/formats/seekable_file.h"

namespace modlr::formats {

/// A parsed unsigned-byte IDX array. Invariant after parse_idx: 1 <= dims.size() <= 4,
/// every dim > 0, and data.size() == product(dims).
struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;
  /// Number of items: dims[0] (0 if dims is empty).
  size_t count() const;
  /// Bytes per item: product of dims[1..] (1 for a 1-dimensional array).
  size_t item_size() const;
};

/// Parses IDX bytes. `source_name` (usually the file path) prefixes every error message.
/// Rejects: fewer than 4 bytes, non-zero magic bytes, type other than 0x08, dimension
/// count outside 1..4, incomplete header, a zero dimension, a size product that overflows,
/// and a data length different from the product ("truncated" / "trailing bytes").
IdxArray parse_idx(const std::vector<uint8_t>& bytes, const std::string& source_name);

/// parse_idx(read_file_bytes(path), path): reads a raw or gzipped IDX file.
IdxArray read_idx(const std::string& path, const DecodeLimits& limits = {});

/// An image file and its matching label file.
struct IdxImagesLabels {
  IdxArray images;  ///< dims = {N, rows, cols}
  IdxArray labels;  ///< dims = {N}, every value < num_classes
};

/// Reads an image file (must be 3-dimensional, magic 0x00000803) and a label file (must be
/// 1-dimensional, magic 0x00000801), and checks that their counts match and that every
/// label is < `num_classes` (which must be > 0). Errors name the offending file(s).
IdxImagesLabels read_idx_pair(const std::string& images_path, const std::string& labels_path, int num_classes,
                              const DecodeLimits& limits = {});

/// The checks read_idx_pair makes on an image file's dims and a label file.
void check_idx_pair(const std::vector<uint32_t>& image_dims, const IdxArray& labels, const std::string& images_path,
                    const std::string& labels_path, int num_classes);

/// An IDX file's header, for reading its items at offsets: item i is the bytes
/// [data_offset + i * item_size(), + item_size()).
struct IdxHeader {
  std::vector<uint32_t> dims;
  uint64_t data_offset = 0;
  size_t item_size() const {
    size_t n = 1;
    for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
    return n;
  }
};

/// The header of `file`, with parse_idx's checks (the content size must match it).
IdxHeader read_idx_header(const SeekableFile& file);

/// The dimensions an IDX header declares, from the file's first bytes (`prefix`, at least
/// the header), with parse_idx's header checks; what follows the header is not checked.
std::vector<uint32_t> parse_idx_dims(const std::vector<uint8_t>& prefix, const std::string& source_name);
/// parse_idx_dims on the first bytes of the file at `path` (raw or gzipped) alone.
std::vector<uint32_t> peek_idx_dims(const std::string& path, const DecodeLimits& limits = {});

}  // namespace modlr::formats
