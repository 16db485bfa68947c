#pragma once
// The forward of direct_conv2d for few input channels, on raw float arrays. Compiled with AVX2+FMA in its own
// translation unit (direct_conv2d_kernels.cpp) that includes no torch or standard-library
// templates, so no AVX instruction can leak into code shared with the rest of the library;
// callers check modlr::cpu_has_avx2_fma() first.
#include <cstdint>

namespace modlr::direct_conv {

constexpr int64_t kLanes = 8;  // floats per vector

/// Shapes of one convolution, and of the zero-padded buffers the kernels read.
struct Geometry {
  int64_t in_channels, height, width, kernel, padding;
  int64_t out_h, out_w;
  int64_t out_w_padded;   // out_w rounded up to whole vectors
  int64_t padded_h;       // height + 2 * padding
  int64_t padded_stride;  // row stride of a padded plane: out_w_padded + kernel - 1
  int64_t padded_plane() const { return padded_h * padded_stride; }
};

inline Geometry make_geometry(int64_t in_channels, int64_t height, int64_t width, int64_t kernel, int64_t padding) {
  Geometry g{in_channels, height, width, kernel, padding, 0, 0, 0, 0, 0};
  g.out_h = height + 2 * padding - kernel + 1;
  g.out_w = width + 2 * padding - kernel + 1;
  g.out_w_padded = (g.out_w + kLanes - 1) / kLanes * kLanes;
  g.padded_h = height + 2 * padding;
  g.padded_stride = g.out_w_padded + kernel - 1;
  return g;
}

/// image [Ci, H, W] -> padded [Ci, padded_h, padded_stride], zeros around.
void pad_image(const float* image, const Geometry& g, float* padded);

/// One image: out [Co, out_h, out_w] = bias + correlation of `padded` with weight
/// [Co, Ci, K, K]. bias may be null. K must be 3 or 5.
void forward_image(const float* padded, const float* weight, const float* bias, const Geometry& g, int64_t out_channels,
                   float* out);

}  // namespace modlr::direct_conv
