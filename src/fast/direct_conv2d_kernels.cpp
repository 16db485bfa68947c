// Register-blocked direct convolution kernels (see direct_conv2d_kernels.h). Vectors run
// along output rows; each inner step loads R input vectors and updates CB x R accumulators
// held in registers, so a load feeds CB multiply-adds.
#include "direct_conv2d_kernels.h"

#include <cstring>

namespace modlr::direct_conv {
namespace {

using Vec = float __attribute__((vector_size(32)));

#define MODLR_INLINE inline __attribute__((always_inline))

MODLR_INLINE Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
MODLR_INLINE void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
MODLR_INLINE Vec splat(float x) { return Vec{x, x, x, x, x, x, x, x}; }
int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// out rows y of channels [co0, co0 + CB), vectors [x0, x0 + R * 8) of the row, into scratch
// [CB][R * 8].
template <int K, int CB, int R>
MODLR_INLINE void forward_block(const float* padded, const float* weight, const float* bias, const Geometry& g,
                                int64_t co0, int64_t y, int64_t x0, float* scratch) {
  Vec acc[CB][R];
  for (int c = 0; c < CB; ++c)
    for (int r = 0; r < R; ++r) acc[c][r] = splat(bias ? bias[co0 + c] : 0.0f);
  const int64_t weight_stride = g.in_channels * K * K;
  for (int64_t ci = 0; ci < g.in_channels; ++ci) {
    for (int ky = 0; ky < K; ++ky) {
      const float* row = padded + (ci * g.padded_h + y + ky) * g.padded_stride + x0;
      const float* w = weight + co0 * weight_stride + (ci * K + ky) * K;
      for (int kx = 0; kx < K; ++kx) {
        Vec in[R];
        for (int r = 0; r < R; ++r) in[r] = load(row + kx + r * kLanes);
        for (int c = 0; c < CB; ++c) {
          const Vec wv = splat(w[c * weight_stride + kx]);
          for (int r = 0; r < R; ++r) acc[c][r] += wv * in[r];
        }
      }
    }
  }
  for (int c = 0; c < CB; ++c)
    for (int r = 0; r < R; ++r) store(scratch + (c * R + r) * kLanes, acc[c][r]);
}

// Output channels [co0, co0 + CB) of one chunk: computed into scratch, copied to `out`.
template <int K, int CB, int R>
MODLR_INLINE void forward_channels(const float* padded, const float* weight, const float* bias, const Geometry& g,
                                   int64_t co0, int64_t y, int64_t x0, float* out) {
  float scratch[CB * R * kLanes];
  forward_block<K, CB, R>(padded, weight, bias, g, co0, y, x0, scratch);
  const int64_t valid = min64(R * kLanes, g.out_w - x0);
  for (int c = 0; c < CB; ++c)
    std::memcpy(out + ((co0 + c) * g.out_h + y) * g.out_w + x0, scratch + c * R * kLanes, valid * sizeof(float));
}

// Vectors [x0, x0 + R * 8) of output row y, all channels. Up to 6 channels x 2 vectors = 12
// accumulators per block, so that each input load feeds up to six FMAs and, with the input
// and weight registers, AVX2's 16 registers are used without spilling (bench/conv_kernels:
// 1.6x over 2 channels x 4 vectors on LeNet-5's first layer). Blocks of 4 where the
// channels split evenly into 4s but not 6s.
template <int K, int R>
void forward_chunk(const float* padded, const float* weight, const float* bias, const Geometry& g, int64_t out_channels,
                   int64_t y, int64_t x0, float* out) {
  static_assert(R <= 2, "6 x R accumulators must fit the 16 vector registers");
  for (int64_t co0 = 0; co0 < out_channels;) {
    const int64_t left = out_channels - co0;
    if (left >= 6 && (left % 6 == 0 || left % 4 != 0)) {
      forward_channels<K, 6, R>(padded, weight, bias, g, co0, y, x0, out);
      co0 += 6;
    } else if (left >= 4) {
      forward_channels<K, 4, R>(padded, weight, bias, g, co0, y, x0, out);
      co0 += 4;
    } else if (left >= 2) {
      forward_channels<K, 2, R>(padded, weight, bias, g, co0, y, x0, out);
      co0 += 2;
    } else {
      forward_channels<K, 1, R>(padded, weight, bias, g, co0, y, x0, out);
      co0 += 1;
    }
  }
}

template <int K>
void forward_image_k(const float* padded, const float* weight, const float* bias, const Geometry& g,
                     int64_t out_channels, float* out) {
  for (int64_t y = 0; y < g.out_h; ++y) {
    for (int64_t x0 = 0; x0 < g.out_w_padded;) {
      const int64_t vectors = min64(2, (g.out_w_padded - x0) / kLanes);
      if (vectors == 2)
        forward_chunk<K, 2>(padded, weight, bias, g, out_channels, y, x0, out);
      else
        forward_chunk<K, 1>(padded, weight, bias, g, out_channels, y, x0, out);
      x0 += vectors * kLanes;
    }
  }
}

}  // namespace

void pad_image(const float* image, const Geometry& g, float* padded) {
  std::memset(padded, 0, g.in_channels * g.padded_plane() * sizeof(float));
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t y = 0; y < g.height; ++y)
      std::memcpy(padded + c * g.padded_plane() + (y + g.padding) * g.padded_stride + g.padding,
                  image + (c * g.height + y) * g.width, g.width * sizeof(float));
}

void forward_image(const float* padded, const float* weight, const float* bias, const Geometry& g, int64_t out_channels,
                   float* out) {
  if (g.kernel == 3) forward_image_k<3>(padded, weight, bias, g, out_channels, out);
  if (g.kernel == 5) forward_image_k<5>(padded, weight, bias, g, out_channels, out);
}

}  // namespace modlr::direct_conv
