// See fused_adam_kernel.h. __builtin_sqrtf, not std::sqrt: no inline library function may be
// emitted from this AVX2 translation unit.
#include "fused_adam_kernel.h"

namespace modlr::fused_adam {

void update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n, const Step& s) {
  for (int64_t i = 0; i < n; ++i) {
    const float p = param[i] * s.shrink;
    const float g = grad[i] + s.decay * param[i];
    const float m = s.beta1 * exp_avg[i] + s.one_minus_beta1 * g;
    const float v = s.beta2 * exp_avg_sq[i] + s.one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] = p - s.step_size * m / (__builtin_sqrtf(v) * s.inv_sqrt_bc2 + s.eps);
  }
}

}  // namespace modlr::fused_adam
