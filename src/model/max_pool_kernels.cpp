// AVX2 2x2 max pool (see max_pool_kernels.h). Eight windows per step: the even and odd
// columns of two input rows are split into four vectors, one per window position, and
// scanned with the same compare-and-select as ATen's scalar loop, so results are identical.
#include "max_pool_kernels.h"

#include <immintrin.h>

#include <cstring>

namespace modlr::pool_kernels {
namespace {

// Loads floats [0, count) of p, count <= 8, zeros elsewhere.
inline __m256 load_partial(const float* p, int64_t count) {
  if (count >= 8) return _mm256_loadu_ps(p);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lane);
  return _mm256_maskload_ps(p, mask);
}

// 16 consecutive floats (the first `count` valid) -> (even, odd) elements, in order.
inline void split_even_odd(const float* p, int64_t count, __m256* even, __m256* odd) {
  const __m256 a = load_partial(p, count);
  const __m256 b = load_partial(p + 8, count - 8);
  // shuffle_ps works within 128-bit halves; permute4x64 puts the halves back in order.
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Windows [ow, ow + count) of one output row, count <= 8.
inline void pool_vector(const float* row0, const float* row1, float* out, uint8_t* where, int64_t count, bool relu) {
  __m256 candidate[4];
  split_even_odd(row0, 2 * count, &candidate[0], &candidate[1]);
  split_even_odd(row1, 2 * count, &candidate[2], &candidate[3]);
  __m256 best = candidate[0];  // c > -inf or NaN: the first candidate is always taken
  __m256 position = _mm256_setzero_ps();
  for (int k = 1; k < 4; ++k) {
    const __m256 c = candidate[k];
    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(c, best, _CMP_GT_OQ), _mm256_cmp_ps(c, c, _CMP_UNORD_Q));
    best = _mm256_blendv_ps(best, c, take);
    position = _mm256_blendv_ps(position, _mm256_set1_ps(static_cast<float>(k)), take);
  }
  if (relu) {
    // torch's ReLU backward passes the gradient unless the output is <= 0 (a NaN passes).
    const __m256 keep = _mm256_cmp_ps(best, _mm256_setzero_ps(), _CMP_NLE_UQ);
    best = _mm256_and_ps(best, keep);
    position = _mm256_blendv_ps(_mm256_set1_ps(static_cast<float>(kNoGradient)), position, keep);
  }
  if (count == 8) {
    _mm256_storeu_ps(out, best);
  } else {
    alignas(32) float values[8];
    _mm256_store_ps(values, best);
    std::memcpy(out, values, static_cast<size_t>(count) * sizeof(float));
  }
  if (!where) return;
  // Byte 0 of each int32 position, four per 128-bit half, then the two halves joined.
  const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12,
                                             -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i bytes = _mm256_shuffle_epi8(_mm256_cvtps_epi32(position), low_bytes);
  const uint64_t packed =
      static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(bytes))) |
      static_cast<uint64_t>(static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(bytes, 1)))) << 32;
  std::memcpy(where, &packed, static_cast<size_t>(count));
}

// Stores floats [0, count) of v at p, count <= 8.
inline void store_partial(float* p, __m256 v, int64_t count) {
  if (count >= 8) return _mm256_storeu_ps(p, v);
  if (count <= 0) return;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lane), v);
}

// Windows [ow, ow + count) of one output row, count <= 8: the gradient where the position
// matches, zero elsewhere, interleaved back into the two input rows.
inline void unpool_vector(const float* grad_out, const uint8_t* where, float* row0, float* row1, int64_t count) {
  uint64_t packed = 0;
  std::memcpy(&packed, where, static_cast<size_t>(count));
  const __m256i position = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(packed)));
  const __m256 g = load_partial(grad_out, count);
  __m256 at[4];
  for (int k = 0; k < 4; ++k)
    at[k] = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(position, _mm256_set1_epi32(k))));
  float* rows[2] = {row0, row1};
  for (int r = 0; r < 2; ++r) {
    const __m256 low = _mm256_unpacklo_ps(at[2 * r], at[2 * r + 1]);   // windows 0 1 | 4 5
    const __m256 high = _mm256_unpackhi_ps(at[2 * r], at[2 * r + 1]);  // windows 2 3 | 6 7
    store_partial(rows[r], _mm256_permute2f128_ps(low, high, 0x20), 2 * count);
    store_partial(rows[r] + 8, _mm256_permute2f128_ps(low, high, 0x31), 2 * count - 8);
  }
}

}  // namespace

void max_unpool_plane_avx2(const float* grad_out, const uint8_t* where, float* grad_in, int64_t width, int64_t out_h,
                           int64_t out_w) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    float* row0 = grad_in + 2 * oh * width;
    for (int64_t ow = 0; ow < out_w; ow += 8) {
      const int64_t count = out_w - ow < 8 ? out_w - ow : 8;
      unpool_vector(grad_out + oh * out_w + ow, where + oh * out_w + ow, row0 + 2 * ow, row0 + width + 2 * ow, count);
    }
  }
}

void max_pool_plane_avx2(const float* in, float* out, uint8_t* where, int64_t width, int64_t out_h, int64_t out_w,
                         bool relu) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const float* row0 = in + 2 * oh * width;
    const float* row1 = row0 + width;
    for (int64_t ow = 0; ow < out_w; ow += 8) {
      const int64_t count = out_w - ow < 8 ? out_w - ow : 8;
      pool_vector(row0 + 2 * ow, row1 + 2 * ow, out + oh * out_w + ow, where ? where + oh * out_w + ow : nullptr, count,
                  relu);
    }
  }
}

}  // namespace modlr::pool_kernels
