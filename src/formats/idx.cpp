#include "modlr/formats/idx.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::formats {
namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;
constexpr size_t kMaxDims = 4;

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", b);
  return buf;
}

uint32_t read_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/// "60000 x 28 x 28"
std::string dims_product_text(const std::vector<uint32_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

/// Validates the fixed 4-byte prefix; returns the dimension count.
size_t check_prefix(const std::vector<uint8_t>& bytes, const std::string& src) {
  if (bytes.size() < 4) {
    throw Error(src + ": truncated header: an IDX file needs at least 4 header bytes, file has " +
                std::to_string(bytes.size()));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error(src + ": not an IDX file: bad magic, expected first two bytes 0x00 0x00, found " + hex_byte(bytes[0]) +
                " " + hex_byte(bytes[1]));
  }
  if (bytes[2] != kTypeUnsignedByte) {
    throw Error(src + ": unsupported IDX element type code " + hex_byte(bytes[2]) + ", expected 0x08 (unsigned byte)");
  }
  size_t ndims = bytes[3];
  if (ndims < 1 || ndims > kMaxDims) {
    throw Error(src + ": unsupported IDX dimension count " + std::to_string(ndims) + ", expected 1..4");
  }
  return ndims;
}

/// Parses the dimension sizes and returns their product (the expected data length).
size_t parse_dims(const std::vector<uint8_t>& bytes, size_t ndims, const std::string& src,
                  std::vector<uint32_t>& dims) {
  size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) {
    throw Error(src + ": truncated header: " + std::to_string(ndims) + " dimensions need " + std::to_string(header) +
                " header bytes, file has " + std::to_string(bytes.size()));
  }
  size_t product = 1;
  for (size_t i = 0; i < ndims; ++i) {
    uint32_t d = read_be32(bytes.data() + 4 + 4 * i);
    if (d == 0) {
      throw Error(src + ": invalid IDX header: dimension " + std::to_string(i) + " is 0, expected > 0");
    }
    if (product > std::numeric_limits<size_t>::max() / d) {
      dims.push_back(d);
      throw Error(src + ": invalid IDX header: dimensions " + dims_product_text(dims) +
                  " overflow the addressable size");
    }
    product *= d;
    dims.push_back(d);
  }
  return product;
}

}  // namespace

size_t IdxArray::count() const { return dims.empty() ? 0 : dims[0]; }

size_t IdxArray::item_size() const {
  size_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

IdxArray parse_idx(const std::vector<uint8_t>& bytes, const std::string& source_name) {
  size_t ndims = check_prefix(bytes, source_name);
  IdxArray out;
  size_t expected = parse_dims(bytes, ndims, source_name, out.dims);
  size_t header = 4 + 4 * ndims;
  size_t found = bytes.size() - header;
  if (found != expected) {
    std::string what = found < expected ? "truncated" : "trailing bytes";
    throw Error(source_name + ": " + what + ": header declares " + dims_product_text(out.dims) + " = " +
                std::to_string(expected) + " data bytes, file has " + std::to_string(found) + " after the " +
                std::to_string(header) + "-byte header");
  }
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

IdxArray read_idx(const std::string& path, const DecodeLimits& limits) {
  return parse_idx(read_file_bytes(path, limits), path);
}

void check_idx_pair(const std::vector<uint32_t>& image_dims, const IdxArray& labels, const std::string& images_path,
                    const std::string& labels_path, int num_classes) {
  if (num_classes <= 0) {
    throw Error(labels_path + ": invalid num_classes " + std::to_string(num_classes) + ", expected > 0");
  }
  if (image_dims.size() != 3) {
    throw Error(images_path + ": expected an image file (3 dimensions, magic 0x00000803), found " +
                std::to_string(image_dims.size()));
  }
  if (labels.dims.size() != 1) {
    throw Error(labels_path + ": expected a label file (1 dimension, magic 0x00000801), found " +
                std::to_string(labels.dims.size()));
  }
  if (image_dims[0] != labels.count()) {
    throw Error("count mismatch: " + images_path + " has " + std::to_string(image_dims[0]) + " images but " +
                labels_path + " has " + std::to_string(labels.count()) + " labels");
  }
  const std::vector<uint8_t>& values = labels.data;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] >= num_classes) {
      throw Error(labels_path + ": label out of range at index " + std::to_string(i) + ": value " +
                  std::to_string(values[i]) + ", expected < " + std::to_string(num_classes) + " (num_classes)");
    }
  }
}

IdxImagesLabels read_idx_pair(const std::string& images_path, const std::string& labels_path, int num_classes,
                              const DecodeLimits& limits) {
  if (num_classes <= 0) {
    throw Error(labels_path + ": invalid num_classes " + std::to_string(num_classes) + ", expected > 0");
  }
  IdxImagesLabels out{read_idx(images_path, limits), read_idx(labels_path, limits)};
  check_idx_pair(out.images.dims, out.labels, images_path, labels_path, num_classes);
  return out;
}

IdxHeader read_idx_header(const SeekableFile& file) {
  const auto& src = file.path();
  std::vector<uint8_t> bytes(static_cast<size_t>(std::min<uint64_t>(file.size(), 4 + 4 * kMaxDims)));
  file.read(0, bytes.data(), bytes.size());
  const size_t ndims = check_prefix(bytes, src);
  IdxHeader out;
  const size_t expected = parse_dims(bytes, ndims, src, out.dims);
  out.data_offset = 4 + 4 * ndims;
  const uint64_t found = file.size() - out.data_offset;
  if (found != expected) {
    std::string what = found < expected ? "truncated" : "trailing bytes";
    throw Error(src + ": " + what + ": header declares " + dims_product_text(out.dims) + " = " +
                std::to_string(expected) + " data bytes, file has " + std::to_string(found) + " after the " +
                std::to_string(out.data_offset) + "-byte header");
  }
  return out;
}

std::vector<uint32_t> parse_idx_dims(const std::vector<uint8_t>& prefix, const std::string& source_name) {
  std::vector<uint32_t> dims;
  parse_dims(prefix, check_prefix(prefix, source_name), source_name, dims);
  return dims;
}

std::vector<uint32_t> peek_idx_dims(const std::string& path, const DecodeLimits& limits) {
  return parse_idx_dims(read_file_prefix(path, 4 + 4 * kMaxDims, limits), path);
}

}  // namespace modlr::formats
