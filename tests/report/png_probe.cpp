#include "png_probe.h"

#include <zlib.h>

#include <cstdlib>
#include <set>
#include <stdexcept>

#include "test_support.h"

namespace modlr::testing {
namespace {

uint32_t be32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8) | static_cast<uint8_t>(s[at + 3]);
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return static_cast<uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

// Undoes the per-row filters (PNG spec section 9) in place; `bpp` bytes per pixel.
void unfilter(std::vector<uint8_t>& data, uint32_t width, uint32_t height, size_t bpp) {
  const size_t stride = width * bpp;
  for (uint32_t y = 0; y < height; ++y) {
    uint8_t* row = &data[y * (stride + 1)];
    const uint8_t filter = row[0];
    uint8_t* px = row + 1;
    const uint8_t* up = y ? &data[(y - 1) * (stride + 1) + 1] : nullptr;
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= bpp ? px[i - bpp] : 0, b = up ? up[i] : 0, c = (up && i >= bpp) ? up[i - bpp] : 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          px[i] = static_cast<uint8_t>(px[i] + a);
          break;
        case 2:
          px[i] = static_cast<uint8_t>(px[i] + b);
          break;
        case 3:
          px[i] = static_cast<uint8_t>(px[i] + (a + b) / 2);
          break;
        case 4:
          px[i] = static_cast<uint8_t>(px[i] + paeth(a, b, c));
          break;
        default:
          throw std::runtime_error("PNG: bad filter type");
      }
    }
  }
}

}  // namespace

PngImage read_png(const std::string& path) {
  const std::string bytes = read_text(path);
  if (bytes.size() < 33 || bytes.compare(1, 3, "PNG") != 0) throw std::runtime_error(path + ": not a PNG");
  PngImage image;
  image.width = be32(bytes, 16);
  image.height = be32(bytes, 20);
  const int depth = bytes[24], color = bytes[25], interlace = bytes[28];
  if (depth != 8 || (color != 0 && color != 2 && color != 6) || interlace != 0)
    throw std::runtime_error(path + ": only 8-bit gray, RGB or RGBA, non-interlaced PNG supported");
  const size_t bpp = color == 6 ? 4 : color == 2 ? 3 : 1;
  image.channels = static_cast<int>(bpp);
  std::string compressed;
  for (size_t at = 8; at + 8 <= bytes.size();) {
    const uint32_t length = be32(bytes, at);
    if (bytes.compare(at + 4, 4, "IDAT") == 0) compressed += bytes.substr(at + 8, length);
    at += 12 + length;
  }
  std::vector<uint8_t> data((image.width * bpp + 1) * image.height);
  uLongf size = data.size();
  if (uncompress(data.data(), &size, reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()) != Z_OK ||
      size != data.size())
    throw std::runtime_error(path + ": corrupt image data");
  unfilter(data, image.width, image.height, bpp);
  image.rgb.reserve(static_cast<size_t>(image.width) * image.height * 3);
  for (uint32_t y = 0; y < image.height; ++y)
    for (uint32_t x = 0; x < image.width; ++x)
      for (size_t k = 0; k < 3; ++k)
        image.rgb.push_back(data[y * (image.width * bpp + 1) + 1 + x * bpp + (bpp == 1 ? 0 : k)]);
  return image;
}

double non_background_fraction(const PngImage& image) {
  size_t differing = 0;
  for (size_t i = 0; i < image.rgb.size(); i += 3)
    if (image.rgb[i] != image.rgb[0] || image.rgb[i + 1] != image.rgb[1] || image.rgb[i + 2] != image.rgb[2])
      ++differing;
  return static_cast<double>(differing) / static_cast<double>(image.rgb.size() / 3);
}

size_t distinct_colors(const PngImage& image) {
  std::set<uint32_t> colors;
  for (size_t i = 0; i < image.rgb.size(); i += 3)
    colors.insert((uint32_t{image.rgb[i]} << 16) | (uint32_t{image.rgb[i + 1]} << 8) | image.rgb[i + 2]);
  return colors.size();
}

size_t pixels_of(const PngImage& image, uint8_t r, uint8_t g, uint8_t b) {
  size_t n = 0;
  for (size_t i = 0; i < image.rgb.size(); i += 3)
    n += image.rgb[i] == r && image.rgb[i + 1] == g && image.rgb[i + 2] == b;
  return n;
}

}  // namespace modlr::testing
