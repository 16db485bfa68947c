#pragma once
/// A minimal PNG encoder (the only one in modlr): 8-bit grayscale, RGB or RGBA, not
/// interlaced, every row with filter type 0 (None), one zlib-compressed IDAT chunk.
/// Used for sample grids of generative models; any PNG reader decodes the result.
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::formats {

/// A row-major 8-bit image: `pixels` holds height * width * channels bytes, channels
/// interleaved (1 = gray, 3 = RGB, 4 = RGBA).
struct Image8 {
  uint32_t width = 0, height = 0;
  int channels = 1;
  std::vector<uint8_t> pixels;
};

/// The PNG file bytes of `image`. Deterministic: the same image always gives the same bytes
/// (zlib level 6, zlib's default stream parameters). Throws modlr::Error for zero or
/// oversized dimensions, a channel count other than 1, 3 or 4, or a pixel buffer whose size
/// does not match.
std::string encode_png(const Image8& image);

/// encode_png(), then an atomic write to `path` (formats::write_file_atomic).
void write_png(const std::string& path, const Image8& image);

}  // namespace modlr::formats
