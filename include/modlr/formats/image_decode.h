#pragma once
/// Decoding image files: PNG through libpng's simplified API, JPEG through libjpeg-turbo.
/// No torch. Every failure throws modlr::Error with one line naming the source.
///
/// The output has the channel count asked for, converted by the decoding library: gray
/// becomes RGB by copying, RGB becomes gray by the library's luminance formula (libpng:
/// linear-light sRGB weights; libjpeg: Y = 0.299 R + 0.587 G + 0.114 B); an alpha channel
/// is composited onto black. 16-bit PNGs are reduced to 8 bits.
/// Thread-safety: any number of threads may decode at once (no shared state).
#include <cstdint>
#include <string>

#include "modlr/formats/png.h"

namespace modlr::formats {

/// Images larger than this many pixels are refused before any pixel is decoded (a few
/// bytes can claim a 100,000 x 100,000 image).
constexpr uint64_t kMaxImagePixels = uint64_t{1} << 26;

enum class ImageFormat { png, jpeg, unknown };

/// The format by the file's first bytes (not its name).
ImageFormat sniff_image_format(const std::string& bytes);

/// Decodes a PNG or JPEG file's `bytes` into `channels` (1 or 3) 8-bit channels, row-major,
/// channels interleaved. Errors: "<source>: not a PNG or JPEG file", "<source>: corrupt
/// PNG: <libpng's reason>", "<source>: corrupt JPEG: <libjpeg's reason>", an image over
/// kMaxImagePixels, an empty image.
Image8 decode_image(const std::string& bytes, int channels, const std::string& source);

}  // namespace modlr::formats
