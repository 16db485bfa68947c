#pragma once
// A minimal PNG reader for checking screenshots and modlr's own PNGs: 8-bit gray, RGB or
// RGBA, not interlaced (what Chromium and formats/png.h write). Enough to tell a rendered
// page from a blank one and to read back every pixel modlr wrote.
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::testing {

struct PngImage {
  uint32_t width = 0, height = 0;
  int channels = 3;          ///< as stored: 1 gray, 3 RGB, 4 RGBA
  std::vector<uint8_t> rgb;  ///< width * height * 3, row-major (alpha dropped, gray repeated)
};

/// Decodes `path`; throws std::runtime_error on anything it does not support.
PngImage read_png(const std::string& path);

/// Fraction of pixels that differ from the top-left pixel (the page background).
double non_background_fraction(const PngImage& image);
/// Number of distinct colors (a blank or single-text page has few; plots have many).
size_t distinct_colors(const PngImage& image);
/// Number of pixels of exactly this color.
size_t pixels_of(const PngImage& image, uint8_t r, uint8_t g, uint8_t b);

}  // namespace modlr::testing
