// The PNG encoder: what it writes decodes back to the same pixels (tests/report/png_probe
// and, where Debian's Python has Pillow, an independent decoder that checks every CRC),
// the bytes are deterministic, and bad images are refused with one clear line.
#include <gtest/gtest.h>

#include <zlib.h>

#include "modlr/core/error.h"
#include "modlr/formats/png.h"
#include "report/png_probe.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::formats::Image8;

namespace {

// A w x h image whose every byte differs from its neighbours (catches swapped axes).
Image8 image_pattern(uint32_t width, uint32_t height, int channels) {
  Image8 image{width, height, channels, {}};
  for (size_t i = 0; i < static_cast<size_t>(width) * height * channels; ++i)
    image.pixels.push_back(static_cast<uint8_t>((i * 37 + i / 7) % 256));
  return image;
}

uint32_t read_be32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<uint8_t>(s[at])} << 24) | (uint32_t{static_cast<uint8_t>(s[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(s[at + 3])};
}

}  // namespace

TEST(Png, GrayRgbAndRgbaDecodeBackToTheSamePixels) {
  mt::TempDir dir;
  for (int channels : {1, 3, 4}) {
    SCOPED_TRACE(channels);
    const auto image = image_pattern(13, 7, channels);
    modlr::formats::write_png(dir.file("p.png"), image);
    const auto decoded = mt::read_png(dir.file("p.png"));
    ASSERT_EQ(decoded.width, 13u);
    ASSERT_EQ(decoded.height, 7u);
    EXPECT_EQ(decoded.channels, channels);
    for (size_t p = 0; p < 13 * 7; ++p)
      for (size_t k = 0; k < 3; ++k)
        ASSERT_EQ(decoded.rgb[p * 3 + k], image.pixels[p * channels + (channels == 1 ? 0 : k)]) << "pixel " << p;
  }
}

TEST(Png, ChunksAreWellFormedAndTheBytesDeterministic) {
  const auto bytes = modlr::formats::encode_png(image_pattern(5, 3, 1));
  EXPECT_EQ(bytes, modlr::formats::encode_png(image_pattern(5, 3, 1)));
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<std::string> types;
  for (size_t at = 8; at < bytes.size();) {
    const uint32_t length = read_be32(bytes, at);
    const auto typed = bytes.substr(at + 4, 4 + length);
    types.push_back(typed.substr(0, 4));
    EXPECT_EQ(read_be32(bytes, at + 8 + length),
              crc32(0L, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size())))
        << types.back();
    at += 12 + length;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  EXPECT_EQ(read_be32(bytes, 16), 5u);  // IHDR width
  EXPECT_EQ(read_be32(bytes, 20), 3u);  // IHDR height
  EXPECT_EQ(bytes[24], 8);              // bit depth
  EXPECT_EQ(bytes[25], 0);              // gray
}

TEST(Png, PillowDecodesItToo) {
  if (std::system((mt::python() + " -c 'import PIL' >/dev/null 2>&1").c_str()) != 0) GTEST_SKIP() << "no Pillow";
  mt::TempDir dir;
  modlr::formats::write_png(dir.file("rgb.png"), image_pattern(4, 2, 3));
  const auto run =
      mt::run_command(mt::python() + " -c \"from PIL import Image; im = Image.open('" + dir.file("rgb.png") +
                      "'); im.load(); print(im.mode, im.size, list(im.getdata())[5])\"");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto image = image_pattern(4, 2, 3);
  const std::string pixel5 = "(" + std::to_string(image.pixels[15]) + ", " + std::to_string(image.pixels[16]) + ", " +
                             std::to_string(image.pixels[17]) + ")";
  EXPECT_EQ(run.out, "RGB (4, 2) " + pixel5 + "\n");
}

TEST(Png, BadImagesAreRefusedAndNothingIsWritten) {
  mt::TempDir dir;
  auto expect_error = [&](const Image8& image, const std::string& part) {
    try {
      modlr::formats::write_png(dir.file("bad.png"), image);
      ADD_FAILURE() << "accepted " << part;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error(Image8{2, 2, 2, std::vector<uint8_t>(8)}, "2 channels");
  expect_error(Image8{0, 2, 1, {}}, "out of range");
  expect_error(Image8{3, 2, 1, std::vector<uint8_t>(5)}, "5 pixel bytes for a 3x2x1 image");
  EXPECT_FALSE(mt::exists(dir.file("bad.png")));
  EXPECT_THROW(modlr::formats::write_png(dir.file("missing/dir/x.png"), image_pattern(1, 1, 1)), modlr::Error);
}
