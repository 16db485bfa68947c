#include "modlr/formats/image_decode.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
// jpeglib.h needs FILE and size_t declared before it.
#include <jerror.h>
#include <jpeglib.h>

#include "modlr/core/error.h"

namespace modlr::formats {
namespace {

void check_size(uint64_t width, uint64_t height, const std::string& source) {
  if (width == 0 || height == 0) throw Error(source + ": an image with no pixels");
  if (width * height > kMaxImagePixels)
    throw Error(source + ": " + std::to_string(width) + " x " + std::to_string(height) + " pixels is more than " +
                std::to_string(kMaxImagePixels) + " (refused before decoding)");
}

Image8 decode_png(const std::string& bytes, int channels, const std::string& source) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    const std::string reason = image.message;
    png_image_free(&image);
    throw Error(source + ": corrupt PNG: " + reason);
  }
  try {
    check_size(image.width, image.height, source);
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image8 out;
  out.width = image.width;
  out.height = image.height;
  out.channels = channels;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, out.pixels.data(), 0, nullptr)) {
    const std::string reason = image.message;
    png_image_free(&image);
    throw Error(source + ": corrupt PNG: " + reason);
  }
  return out;
}

// libjpeg reports a fatal error by calling error_exit, which must not return: it jumps
// back into read_jpeg. Only trivially destructible objects live in read_jpeg's frame.
struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void jpeg_error_exit(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

// libjpeg decodes a truncated file with a warning ("Premature end of JPEG file") and grey
// filler; a training example must not be half invented, so that warning fails the image.
// Other warnings (extraneous bytes before a marker, common in real photos) do not.
void jpeg_keep_warning(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  if (info->err->msg_code != JWRN_JPEG_EOF) return;
  (*info->err->format_message)(info, error->message);
  error->truncated = true;
}

// Phase 1 (`pixels` null): reads the header into width/height. Phase 2: decodes into
// `pixels`, which holds width * height * channels bytes. False with `error.message` set on
// a libjpeg error.
bool read_jpeg(const std::string& bytes, int channels, uint32_t& width, uint32_t& height, uint8_t* pixels,
               JpegError& error) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_error_exit;
  error.manager.output_message = jpeg_keep_warning;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  width = info.image_width;
  height = info.image_height;
  if (pixels != nullptr) {
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    const size_t stride = static_cast<size_t>(info.output_width) * static_cast<size_t>(channels);
    while (info.output_scanline < info.output_height) {
      JSAMPROW row = pixels + static_cast<size_t>(info.output_scanline) * stride;
      jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
  }
  jpeg_destroy_decompress(&info);
  return !error.truncated;
}

Image8 decode_jpeg(const std::string& bytes, int channels, const std::string& source) {
  JpegError error{};
  Image8 out;
  out.channels = channels;
  if (!read_jpeg(bytes, channels, out.width, out.height, nullptr, error))
    throw Error(source + ": corrupt JPEG: " + error.message);
  check_size(out.width, out.height, source);
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * static_cast<size_t>(channels));
  if (!read_jpeg(bytes, channels, out.width, out.height, out.pixels.data(), error))
    throw Error(source + ": corrupt JPEG: " + error.message);
  return out;
}

}  // namespace

ImageFormat sniff_image_format(const std::string& bytes) {
  static const char png_signature[] = "\x89PNG\r\n\x1a\n";
  if (bytes.size() >= 8 && bytes.compare(0, 8, png_signature, 8) == 0) return ImageFormat::png;
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
      static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[2]) == 0xFF)
    return ImageFormat::jpeg;
  return ImageFormat::unknown;
}

Image8 decode_image(const std::string& bytes, int channels, const std::string& source) {
  if (channels != 1 && channels != 3)
    throw Error(source + ": decoding to " + std::to_string(channels) + " channels (1 or 3)");
  switch (sniff_image_format(bytes)) {
    case ImageFormat::png:
      return decode_png(bytes, channels, source);
    case ImageFormat::jpeg:
      return decode_jpeg(bytes, channels, source);
    case ImageFormat::unknown:
      break;
  }
  throw Error(source + ": not a PNG or JPEG file");
}

}  // namespace modlr::formats
