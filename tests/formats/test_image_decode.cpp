// PNG and JPEG decoding: PNGs from modlr's own encoder come back byte for byte, channel
// conversions do what the header says, JPEGs agree with Pillow's decoder (an independent
// libjpeg-turbo build) within 2 levels, and damaged files are one-line errors.
#include <gtest/gtest.h>
#include <zlib.h>

#include "modlr/core/error.h"
#include "modlr/formats/image_decode.h"
#include "test_support.h"

namespace mf = modlr::formats;
namespace mt = modlr::testing;

namespace {

mf::Image8 gradient(uint32_t width, uint32_t height, int channels) {
  mf::Image8 image{width, height, channels, {}};
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) image.pixels.push_back(static_cast<uint8_t>((x * 7 + y * 13 + c * 50) % 256));
  return image;
}

std::string decode_error(const std::string& bytes, int channels = 1) {
  try {
    mf::decode_image(bytes, channels, "img");
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ImageDecode, PngsFromTheEncoderComeBackExactly) {
  for (int channels : {1, 3}) {
    const auto image = gradient(17, 9, channels);
    const auto decoded = mf::decode_image(mf::encode_png(image), channels, "img");
    EXPECT_EQ(decoded.width, 17u);
    EXPECT_EQ(decoded.height, 9u);
    EXPECT_EQ(decoded.pixels, image.pixels) << channels << " channels";
  }
}

TEST(ImageDecode, ChannelsAreConverted) {
  const auto gray = gradient(4, 3, 1);
  const auto rgb = mf::decode_image(mf::encode_png(gray), 3, "img");
  for (size_t i = 0; i < gray.pixels.size(); ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(rgb.pixels[i * 3 + static_cast<size_t>(c)], gray.pixels[i]);
  // Alpha is composited onto black: transparent pixels become 0, opaque ones keep their colour.
  mf::Image8 rgba{2, 1, 4, {200, 100, 50, 0, 200, 100, 50, 255}};
  EXPECT_EQ(mf::decode_image(mf::encode_png(rgba), 3, "img").pixels, (std::vector<uint8_t>{0, 0, 0, 200, 100, 50}));
  // A gray pixel stays itself through RGB -> gray.
  mf::Image8 grey_rgb{1, 1, 3, {90, 90, 90}};
  EXPECT_EQ(mf::decode_image(mf::encode_png(grey_rgb), 1, "img").pixels, (std::vector<uint8_t>{90}));
}

TEST(ImageDecode, DamagedPngsAreOneLineErrors) {
  const auto png = mf::encode_png(gradient(8, 8, 1));
  EXPECT_EQ(decode_error("GIF89a......"), "img: not a PNG or JPEG file");
  EXPECT_EQ(decode_error(""), "img: not a PNG or JPEG file");
  EXPECT_NE(decode_error(png.substr(0, png.size() / 2)).find("img: corrupt PNG: "), std::string::npos);
  // A header claiming 100,000 x 100,000 pixels is refused before any pixel is decoded.
  std::string bomb = png;
  const unsigned char big[8] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0};
  bomb.replace(16, 8, reinterpret_cast<const char*>(big), 8);                       // IHDR width and height
  const auto crc = crc32(0, reinterpret_cast<const Bytef*>(bomb.data() + 12), 17);  // "IHDR" + 13 data bytes
  for (int i = 0; i < 4; ++i) bomb[29 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xff);
  EXPECT_EQ(decode_error(bomb), "img: 100000 x 100000 pixels is more than 67108864 (refused before decoding)");
}

TEST(ImageDecode, JpegsAgreeWithPillow) {
  mt::TempDir dir;
  // Pillow writes a JPEG and its own decoding of it (raw RGB and L bytes).
  const auto script = dir.file("make.py");
  mt::write_text(script,
                 "import sys\nfrom PIL import Image\n"
                 "im = Image.new('RGB', (23, 11))\n"
                 "im.putdata([((x * 11) % 256, (y * 23) % 256, (x * y) % 256) for y in range(11) for x in range(23)])\n"
                 "im.save(sys.argv[1] + '/a.jpg', quality=90)\n"
                 "back = Image.open(sys.argv[1] + '/a.jpg')\n"
                 "open(sys.argv[1] + '/a.rgb', 'wb').write(back.convert('RGB').tobytes())\n"
                 "open(sys.argv[1] + '/a.l', 'wb').write(Image.open(sys.argv[1] + '/a.jpg').convert('L').tobytes())\n");
  const auto made = mt::run_command(mt::python() + " " + script + " " + dir.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto jpeg = mt::read_text(dir.file("a.jpg"));
  for (const auto& [channels, reference] : {std::pair<int, std::string>{3, "a.rgb"}, {1, "a.l"}}) {
    const auto decoded = mf::decode_image(jpeg, channels, "a.jpg");
    const auto expected = mt::read_text(dir.file(reference));
    ASSERT_EQ(decoded.width, 23u);
    ASSERT_EQ(decoded.pixels.size(), expected.size());
    int worst = 0;
    for (size_t i = 0; i < expected.size(); ++i)
      worst = std::max(worst, std::abs(decoded.pixels[i] - static_cast<int>(static_cast<uint8_t>(expected[i]))));
    EXPECT_LE(worst, 2) << reference;
  }
  EXPECT_EQ(decode_error(jpeg.substr(0, jpeg.size() - 40), 3), "img: corrupt JPEG: Premature end of JPEG file");
  EXPECT_NE(decode_error(jpeg.substr(0, 200), 3).find("img: corrupt JPEG: "), std::string::npos);
}

}  // namespace
