#pragma once
/// The safetensors format (https://github.com/huggingface/safetensors), read and written by
/// modlr's own code so model weights move between modlr and PyTorch Python unchanged.
///
/// Layout: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON
/// (optionally padded with spaces), then the data section. The JSON object maps each tensor
/// name to {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} (offsets relative to
/// the data section) plus an optional "__metadata__" object of string -> string. Tensor data
/// is raw, row-major, little-endian.
///
/// This header is torch-free on purpose: a tensor is plain {name, dtype, shape, bytes}; the
/// conversion to and from torch lives in tracking/checkpoint.h (save_safetensors, ...).
/// Every failure throws modlr::Error with one line naming the file (or source) and the tensor.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modlr::formats {

/// One tensor as stored: dtype is a safetensors dtype name ("F32", "F64", "I64", ...).
/// Invariant after parse_safetensors: data.size() == dtype_size(dtype) * product(shape).
struct SafeTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

/// A whole file: tensors in name order (the JSON header's order) and the metadata.
struct SafetensorsContent {
  std::vector<SafeTensor> tensors;
  std::map<std::string, std::string> metadata;
  /// The tensor called `name`, or nullptr.
  const SafeTensor* find(const std::string& name) const;
};

/// Bytes per element of safetensors dtype `dtype` (BOOL, U8, I8, I16, U16, F16, BF16, I32,
/// U32, F32, I64, U64, F64). Throws modlr::Error for any other name.
size_t dtype_size(const std::string& dtype);

/// Serialises `content`. Requires: unique, non-empty names that are not "__metadata__",
/// known dtypes, non-negative dims, and byte counts matching dtype and shape (else throws).
/// The header is space-padded so the data section starts 8-byte aligned; tensors are laid
/// out in name order, contiguously.
std::string encode_safetensors(const SafetensorsContent& content);

/// Parses safetensors bytes; `source_name` (usually the path) prefixes every error.
/// Rejects: fewer than 8 bytes, a header length of 0, beyond the file or over 100 MB,
/// invalid or non-object JSON, duplicate names, an entry that is not exactly {dtype, shape,
/// data_offsets} with valid types, an unknown dtype, negative dims, begin > end, offsets
/// outside the data section, overlapping ranges, gaps or trailing bytes in the data
/// section, a byte count different from dtype size * product(shape), and non-string
/// metadata.
SafetensorsContent parse_safetensors(const std::vector<uint8_t>& bytes, const std::string& source_name);

/// parse_safetensors(raw bytes of `path`, path). Throws naming `path` if unreadable.
SafetensorsContent read_safetensors(const std::string& path);

/// Writes encode_safetensors(content) to `path` atomically (write_file_atomic): a failure
/// leaves any previous file at `path` untouched and no partial file behind.
void write_safetensors(const std::string& path, const SafetensorsContent& content);

}  // namespace modlr::formats
