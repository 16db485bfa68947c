#pragma once
// The gradients of direct_conv2d for layers with several input channels, on images
// interleaved in groups of 8: one vector holds the same element of 8 images, so every
// multiply-add uses all 8 lanes whatever the row width or channel count (the row-vectorised
// kernels of direct_conv2d_kernels.h waste 6 of 16 lanes on a 10-wide row). Compiled with
// AVX2+FMA in its own translation unit that includes no torch or standard-library templates;
// callers check modlr::cpu_has_avx2_fma() first.
//
// Layout of one group: tensor [C, H, W] of 8 images -> floats [C][H][W][8], lane i = image i
// of the group (a group short of 8 images is padded with zero images).
#include <cstdint>

namespace modlr::interleaved_conv {

constexpr int64_t kGroup = 8;  // images per group = floats per vector

/// Shapes of one convolution (stride 1, square kernel K in {3, 5}, zero padding p < K).
struct Geometry {
  int64_t in_channels, out_channels, height, width, kernel, padding;
  int64_t out_h, out_w;        // height + 2p - K + 1, width + 2p - K + 1
  int64_t padded_h, padded_w;  // height + 2p, width + 2p
};

inline Geometry make_geometry(int64_t in_channels, int64_t out_channels, int64_t height, int64_t width, int64_t kernel,
                              int64_t padding) {
  return Geometry{in_channels,
                  out_channels,
                  height,
                  width,
                  kernel,
                  padding,
                  height + 2 * padding - kernel + 1,
                  width + 2 * padding - kernel + 1,
                  height + 2 * padding,
                  width + 2 * padding};
}

/// images [count <= 8][channels][h][w] (NCHW, contiguous) -> group [channels][h + 2p][w + 2p][8],
/// zeros in the border and in the lanes of missing images.
void interleave(const float* images, int64_t count, int64_t channels, int64_t h, int64_t w, int64_t padding,
                float* group);

/// group [channels][h + 2p][w + 2p][8] -> images [count][channels][h][w], dropping the border.
void deinterleave(const float* group, int64_t count, int64_t channels, int64_t h, int64_t w, int64_t padding,
                  float* images);

/// grad_in [Ci][padded_h][padded_w][8]: the gradient w.r.t. the padded input of one group,
/// from grad_out [Co][out_h][out_w][8]. Rows of the padding border are left unwritten.
void input_grad_group(const float* grad_out, const float* weight, const Geometry& g, float* grad_in);

/// Weight and bias gradients of one group, summed over its 8 lanes in a fixed order:
/// partial[0, Co*Ci*K*K) in the weight's layout, then partial[Co*Ci*K*K + co] (bias).
void weight_and_bias_grad_group(const float* padded_in, const float* grad_out, const Geometry& g, float* partial);

}  // namespace modlr::interleaved_conv
