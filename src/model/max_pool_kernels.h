#pragma once
// The 2x2 max pool's scan on raw float planes (see modlr/model/max_pool_2x2.h for the
// semantics it must keep). Compiled with AVX2 in its own translation unit that includes no
// torch or standard-library templates, so no AVX instruction can leak into code shared with
// the rest of the library; callers check modlr::cpu_has_avx2_fma() first.
#include <cstdint>

namespace modlr::pool_kernels {

/// Window position stored when the fused ReLU blocks the gradient (the maximum is <= 0).
constexpr uint8_t kNoGradient = 4;

/// One plane in [H, W] (W = width), out [out_h, out_w], where [out_h, out_w] (may be null).
/// out = first maximum of each 2x2 window in row-major order, a NaN winning (the last NaN);
/// where = its position 0..3. With `relu`, out = relu(that maximum) (NaN stays NaN) and
/// where = kNoGradient when the maximum is <= 0 (as torch's ReLU backward, a NaN passes).
void max_pool_plane_avx2(const float* in, float* out, uint8_t* where, int64_t width, int64_t out_h, int64_t out_w,
                         bool relu);

/// The backward of one plane: grad_in [H, W] gets grad_out at each window's recorded
/// position and zeros at its other three inputs (kNoGradient: four zeros). Inputs outside
/// every window (an odd last row or column) are not written.
void max_unpool_plane_avx2(const float* grad_out, const uint8_t* where, float* grad_in, int64_t width, int64_t out_h,
                           int64_t out_w);

}  // namespace modlr::pool_kernels
