#include "modlr/formats/png.h"

#include <zlib.h>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::formats {
namespace {

void put_be32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

// A chunk: length, type, data, CRC-32 over type and data (PNG spec section 5.3).
void put_chunk(std::string& out, const char type[4], const std::string& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  put_be32(out, static_cast<uint32_t>(
                    crc32(0L, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()))));
}

uint8_t color_type(int channels) {
  switch (channels) {
    case 1:
      return 0;  // grayscale
    case 3:
      return 2;  // truecolor
    case 4:
      return 6;  // truecolor with alpha
    default:
      throw Error("PNG: " + std::to_string(channels) + " channels (expected 1, 3 or 4)");
  }
}

}  // namespace

std::string encode_png(const Image8& image) {
  const uint8_t color = color_type(image.channels);
  // PNG allows up to 2^31 - 1; our whole image must also fit one zlib call.
  if (image.width == 0 || image.height == 0 || image.width > (1u << 16) || image.height > (1u << 16))
    throw Error("PNG: image size " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                " out of range (1..65536)");
  const size_t stride = static_cast<size_t>(image.width) * static_cast<size_t>(image.channels);
  if (image.pixels.size() != stride * image.height)
    throw Error("PNG: " + std::to_string(image.pixels.size()) + " pixel bytes for a " + std::to_string(image.width) +
                "x" + std::to_string(image.height) + "x" + std::to_string(image.channels) + " image");
  std::string raw;  // each row: filter byte 0, then the row's bytes
  raw.reserve((stride + 1) * image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(image.pixels.data() + y * stride), stride);
  }
  std::string compressed(compressBound(static_cast<uLong>(raw.size())), '\0');
  uLongf size = compressed.size();
  if (compress2(reinterpret_cast<Bytef*>(&compressed[0]), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 6) != Z_OK)
    throw Error("PNG: zlib compression failed");
  compressed.resize(size);

  std::string header;
  put_be32(header, image.width);
  put_be32(header, image.height);
  header += std::string{'\x08', static_cast<char>(color), '\0', '\0', '\0'};  // depth, color, methods
  std::string out("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", compressed);
  put_chunk(out, "IEND", "");
  return out;
}

void write_png(const std::string& path, const Image8& image) { write_file_atomic(path, encode_png(image)); }

}  // namespace modlr::formats
