// Register-blocked convolution gradients on groups of 8 interleaved images (see
// interleaved_conv2d_kernels.h). A vector is one pixel of 8 images, so the kernels are the
// textbook scalar loops with every float replaced by a vector and a few loops unrolled into
// registers.
#include "interleaved_conv2d_kernels.h"

#include <immintrin.h>

#include <cstring>

namespace modlr::interleaved_conv {
namespace {

#define MODLR_INLINE inline __attribute__((always_inline))

using Vec = __m256;

MODLR_INLINE Vec load(const float* p) { return _mm256_loadu_ps(p); }
MODLR_INLINE void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
MODLR_INLINE Vec splat(float x) { return _mm256_set1_ps(x); }
MODLR_INLINE Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
// Fixed order, so a sum never depends on which thread computed it.
MODLR_INLINE float lanes_sum(Vec v) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  return ((f[0] + f[1]) + (f[2] + f[3])) + ((f[4] + f[5]) + (f[6] + f[7]));
}
int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows become columns: r[i][j] <- r[j][i].
MODLR_INLINE void transpose8(Vec r[8]) {
  const Vec t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const Vec t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const Vec t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const Vec t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const Vec s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const Vec s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const Vec s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const Vec s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Lanes [0, n) all ones: masked loads and stores of a row's last, partial 8 pixels.
MODLR_INLINE __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

void zero(float* p, int64_t floats) {
  for (int64_t i = 0; i < floats; i += kGroup) store(p + i, _mm256_setzero_ps());
}

}  // namespace

void interleave(const float* images, int64_t count, int64_t channels, int64_t h, int64_t w, int64_t padding,
                float* group) {
  const int64_t ph = h + 2 * padding, pw = w + 2 * padding, image = channels * h * w;
  if (padding > 0) zero(group, channels * ph * pw * kGroup);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t y = 0; y < h; ++y) {
      const float* src = images + (c * h + y) * w;
      float* dst = group + ((c * ph + y + padding) * pw + padding) * kGroup;
      for (int64_t x0 = 0; x0 < w; x0 += kGroup) {
        const int64_t n = min64(kGroup, w - x0);
        const __m256i mask = first_lanes(n);
        Vec r[8];
        for (int64_t i = 0; i < 8; ++i)
          r[i] = i < count ? _mm256_maskload_ps(src + i * image + x0, mask) : _mm256_setzero_ps();
        transpose8(r);
        for (int64_t x = 0; x < n; ++x) store(dst + (x0 + x) * kGroup, r[x]);
      }
    }
  }
}

void deinterleave(const float* group, int64_t count, int64_t channels, int64_t h, int64_t w, int64_t padding,
                  float* images) {
  const int64_t ph = h + 2 * padding, pw = w + 2 * padding, image = channels * h * w;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t y = 0; y < h; ++y) {
      const float* src = group + ((c * ph + y + padding) * pw + padding) * kGroup;
      float* dst = images + (c * h + y) * w;
      for (int64_t x0 = 0; x0 < w; x0 += kGroup) {
        const int64_t n = min64(kGroup, w - x0);
        Vec r[8];
        for (int64_t x = 0; x < 8; ++x) r[x] = x < n ? load(src + (x0 + x) * kGroup) : _mm256_setzero_ps();
        transpose8(r);
        if (n == kGroup) {
          for (int64_t i = 0; i < count; ++i) store(dst + i * image + x0, r[i]);
        } else {  // masked stores are slow on AMD CPUs
          for (int64_t i = 0; i < count; ++i) {
            alignas(32) float lanes[kGroup];
            _mm256_store_ps(lanes, r[i]);
            std::memcpy(dst + i * image + x0, lanes, n * sizeof(float));
          }
        }
      }
    }
  }
}

namespace {

// Where an input-gradient block lies in its row: output pixels left of the row (x < 0) are
// skipped at the left edge, right of it (x >= out_w) at the right edge, both known at compile
// time, so no multiply-add is spent on the border and no branch is taken inside the block.
enum Edge { kInterior = 0, kLeft = 1, kRight = 2 };

// Padded-input pixels [x0, x0 + R) of row py, input channels [ci0, ci0 + CB): each gathers
// weight[co][ci][ky][kx] * grad_out[co][py - ky][px - kx] over every output pixel that read it.
// CB x R accumulators; rows py - ky outside the output are skipped.
template <int K, int CB, int R, int E>
MODLR_INLINE void input_grad_block(const float* grad_out, const float* weight, const Geometry& g, int64_t ci0,
                                   int64_t py, int64_t x0, float* grad_in) {
  Vec acc[CB][R];
  for (int c = 0; c < CB; ++c)
    for (int r = 0; r < R; ++r) acc[c][r] = _mm256_setzero_ps();
  // At the right edge x0 = padded_w - R, so x = x0 + r - kx < out_w <=> kx > K - 1 - R + r.
  for (int64_t co = 0; co < g.out_channels; ++co) {
    for (int ky = 0; ky < K; ++ky) {
      const int64_t y = py - ky;
      if (y < 0 || y >= g.out_h) continue;
      const float* w = weight + ((co * g.in_channels + ci0) * K + ky) * K;
      const float* row = grad_out + ((co * g.out_h + y) * g.out_w + x0) * kGroup;
      for (int kx = 0; kx < K; ++kx) {
        Vec wv[CB];
        for (int c = 0; c < CB; ++c) wv[c] = splat(w[c * K * K + kx]);
        for (int r = 0; r < R; ++r) {
          if ((E & kLeft) && r - kx < 0) continue;
          if ((E & kRight) && kx <= K - 1 - R + r) continue;
          const Vec d = load(row + (r - kx) * kGroup);
          for (int c = 0; c < CB; ++c) acc[c][r] = fma(wv[c], d, acc[c][r]);
        }
      }
    }
  }
  for (int c = 0; c < CB; ++c)
    for (int r = 0; r < R; ++r)
      store(grad_in + (((ci0 + c) * g.padded_h + py) * g.padded_w + x0 + r) * kGroup, acc[c][r]);
}

// Exact but slow: for rows too narrow for input_grad_tiles.
template <int K, int CB>
void input_grad_pixels(const float* grad_out, const float* weight, const Geometry& g, int64_t ci0, int64_t py,
                       float* grad_in) {
  for (int64_t x = 0; x < g.padded_w; ++x) {
    for (int c = 0; c < CB; ++c) {
      Vec acc = _mm256_setzero_ps();
      for (int64_t co = 0; co < g.out_channels; ++co)
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx) {
            const int64_t y = py - ky, xo = x - kx;
            if (y < 0 || y >= g.out_h || xo < 0 || xo >= g.out_w) continue;
            acc = fma(splat(weight[((co * g.in_channels + ci0 + c) * K + ky) * K + kx]),
                      load(grad_out + ((co * g.out_h + y) * g.out_w + xo) * kGroup), acc);
          }
      store(grad_in + (((ci0 + c) * g.padded_h + py) * g.padded_w + x) * kGroup, acc);
    }
  }
}

// A padded row in blocks of R pixels: one at the left edge [0, R), one at the right edge
// [padded_w - R, padded_w), interior ones between, the last placed at out_w - R if the next
// would reach past the output row (overlapping blocks write the same values). Valid when
// K - 1 <= R <= out_w and either padded_w <= 2R (no interior block) or out_w - R >= K - 1.
template <int K, int CB, int R>
void input_grad_tiles(const float* grad_out, const float* weight, const Geometry& g, int64_t ci0, int64_t py,
                      float* grad_in) {
  if constexpr (R < K - 1) {  // never chosen (input_grad_row); keeps the switch simple
    input_grad_pixels<K, CB>(grad_out, weight, g, ci0, py, grad_in);
    return;
  }
  const int64_t pw = g.padded_w;
  input_grad_block<K, CB, R, kLeft>(grad_out, weight, g, ci0, py, 0, grad_in);
  for (int64_t x0 = R; x0 < pw - R; x0 += R)
    input_grad_block<K, CB, R, kInterior>(grad_out, weight, g, ci0, py, min64(x0, g.out_w - R), grad_in);
  input_grad_block<K, CB, R, kRight>(grad_out, weight, g, ci0, py, pw - R, grad_in);
}

// Blocks of 4 (2 x 4 accumulators + 2 weights + gradients in AVX2's 16 registers: 1.4x faster
// than 2 x 5, whose 9 reused gradient vectors spilled); rows too short for interior blocks of
// 4 take two edge blocks of half the padded row.
template <int K, int CB>
void input_grad_row(const float* grad_out, const float* weight, const Geometry& g, int64_t ci0, int64_t py,
                    float* grad_in) {
  const int64_t half = (g.padded_w + 1) / 2;
  const int64_t r = g.out_w >= 4 + K - 1 ? 4 : (half <= g.out_w && half >= K - 1 ? half : 0);
  switch (r) {
    case 2:
      input_grad_tiles<K, CB, 2>(grad_out, weight, g, ci0, py, grad_in);
      break;
    case 3:
      input_grad_tiles<K, CB, 3>(grad_out, weight, g, ci0, py, grad_in);
      break;
    case 4:
      input_grad_tiles<K, CB, 4>(grad_out, weight, g, ci0, py, grad_in);
      break;
    case 5:
      input_grad_tiles<K, CB, 5>(grad_out, weight, g, ci0, py, grad_in);
      break;
    case 6:
      input_grad_tiles<K, CB, 6>(grad_out, weight, g, ci0, py, grad_in);
      break;
    default:
      input_grad_pixels<K, CB>(grad_out, weight, g, ci0, py, grad_in);
  }
}

template <int K>
void input_grad_k(const float* grad_out, const float* weight, const Geometry& g, float* grad_in) {
  for (int64_t py = g.padding; py < g.padding + g.height; ++py) {
    int64_t ci0 = 0;
    for (; ci0 + 2 <= g.in_channels; ci0 += 2) input_grad_row<K, 2>(grad_out, weight, g, ci0, py, grad_in);
    if (ci0 < g.in_channels) input_grad_row<K, 1>(grad_out, weight, g, ci0, py, grad_in);
  }
}

// dW[co0 + c][ci][ky][kx] for c < CB and all kx: CB x K accumulators over every output pixel
// of the group; each gradient vector feeds K multiply-adds, each input vector CB.
template <int K, int CB>
void weight_grad_block(const float* padded_in, const float* grad_out, const Geometry& g, int64_t ci, int64_t ky,
                       int64_t co0, float* partial) {
  Vec acc[CB][K];
  for (int c = 0; c < CB; ++c)
    for (int kx = 0; kx < K; ++kx) acc[c][kx] = _mm256_setzero_ps();
  for (int64_t y = 0; y < g.out_h; ++y) {
    const float* in_row = padded_in + (ci * g.padded_h + y + ky) * g.padded_w * kGroup;
    const float* grad_row = grad_out + (co0 * g.out_h + y) * g.out_w * kGroup;
    const int64_t channel_stride = g.out_h * g.out_w * kGroup;
    for (int64_t x = 0; x < g.out_w; ++x) {
      Vec d[CB];
      for (int c = 0; c < CB; ++c) d[c] = load(grad_row + c * channel_stride + x * kGroup);
      for (int kx = 0; kx < K; ++kx) {
        const Vec in = load(in_row + (x + kx) * kGroup);
        for (int c = 0; c < CB; ++c) acc[c][kx] = fma(d[c], in, acc[c][kx]);
      }
    }
  }
  for (int c = 0; c < CB; ++c)
    for (int kx = 0; kx < K; ++kx)
      partial[((co0 + c) * g.in_channels + ci) * K * K + ky * K + kx] = lanes_sum(acc[c][kx]);
}

template <int K>
void weight_grad_k(const float* padded_in, const float* grad_out, const Geometry& g, float* partial) {
  for (int64_t ci = 0; ci < g.in_channels; ++ci) {
    for (int64_t ky = 0; ky < K; ++ky) {
      int64_t co0 = 0;
      for (; co0 + 2 <= g.out_channels; co0 += 2) weight_grad_block<K, 2>(padded_in, grad_out, g, ci, ky, co0, partial);
      if (co0 < g.out_channels) weight_grad_block<K, 1>(padded_in, grad_out, g, ci, ky, co0, partial);
    }
  }
}

}  // namespace

void input_grad_group(const float* grad_out, const float* weight, const Geometry& g, float* grad_in) {
  if (g.kernel == 3) input_grad_k<3>(grad_out, weight, g, grad_in);
  if (g.kernel == 5) input_grad_k<5>(grad_out, weight, g, grad_in);
}

void weight_and_bias_grad_group(const float* padded_in, const float* grad_out, const Geometry& g, float* partial) {
  if (g.kernel == 3) weight_grad_k<3>(padded_in, grad_out, g, partial);
  if (g.kernel == 5) weight_grad_k<5>(padded_in, grad_out, g, partial);
  float* bias = partial + g.out_channels * g.in_channels * g.kernel * g.kernel;
  const int64_t plane = g.out_h * g.out_w * kGroup;
  for (int64_t co = 0; co < g.out_channels; ++co) {
    Vec acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < plane; i += kGroup) acc = _mm256_add_ps(acc, load(grad_out + co * plane + i));
    bias[co] = lanes_sum(acc);
  }
}

}  // namespace modlr::interleaved_conv
