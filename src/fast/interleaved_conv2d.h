#pragma once
// Internal to direct_conv2d: its backward. The input, weight and bias gradients of a stride-1
// convolution (kernel 3 or 5, zero padding p < K), computed on images interleaved in groups of
// 8 (interleaved_conv2d_kernels.h) so that every vector lane is used whatever the row width.
// Arguments already checked (direct_conv2d_supported) and contiguous; callers check
// cpu_has_avx2_fma().
#include <torch/torch.h>

namespace modlr {

struct Conv2dGradients {
  torch::Tensor input;   // [N, Ci, H, W], if asked for
  torch::Tensor weight;  // [Co, Ci, K, K], if asked for
  torch::Tensor bias;    // [Co], with the weight
};

/// input [N, Ci, H, W], grad_out [N, Co, out_h, out_w], weight [Co, Ci, K, K]. Each group's
/// weight and bias gradients are a partial sum, added in group order: the same bits for any
/// thread count.
Conv2dGradients interleaved_conv2d_backward(const torch::Tensor& input, const torch::Tensor& grad_out,
                                            const torch::Tensor& weight, int64_t padding, bool want_input,
                                            bool want_weight);

}  // namespace modlr
