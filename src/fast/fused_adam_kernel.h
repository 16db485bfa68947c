#pragma once
// The element loop of fast mode's fused Adam/AdamW on raw arrays. Compiled with AVX2+FMA
// and without errno-setting sqrt (so it vectorises) in its own translation unit, which
// includes no torch or standard-library templates; callers check modlr::cpu_has_avx2_fma().
#include <cstdint>

namespace modlr::fused_adam {

struct Step {
  float beta1, beta2, one_minus_beta1, one_minus_beta2;
  float step_size;     // lr / (1 - beta1^t)
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^t)
  float eps;
  float decay;   // Adam: L2 term added to the gradient (0 = none)
  float shrink;  // AdamW: decoupled decay factor 1 - lr * weight_decay (1 = none)
};

/// For i < n: g' = g + decay * p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
/// p = shrink * p - step_size * m / (sqrt(v) * inv_sqrt_bc2 + eps).
void update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n, const Step& s);

}  // namespace modlr::fused_adam
