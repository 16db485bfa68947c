// libFuzzer target: the PNG/JPEG decoder (image folders are untrusted input). Any input must
// decode to an image of the promised shape or raise a one-line modlr::Error; libpng and
// libjpeg errors must never escape as crashes, longjmps past C++ frames or leaks.
#include <cstdint>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (int channels : {1, 3}) {
    try {
      const auto image = modlr::formats::decode_image(bytes, channels, "fuzz");
      if (image.width == 0 || image.height == 0 || image.channels != channels ||
          static_cast<uint64_t>(image.width) * image.height > modlr::formats::kMaxImagePixels ||
          image.pixels.size() != static_cast<size_t>(image.width) * image.height * static_cast<size_t>(channels))
        __builtin_trap();
    } catch (const modlr::Error& e) {
      if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
    }
  }
  return 0;
}
