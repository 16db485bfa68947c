#pragma once
/// A hand-written direct convolution for the small 5x5 (and 3x3) convolutions of LeNet-1/5,
/// used in fast mode (runner.mode: fast); AVX2+FMA (on a CPU without them the layer keeps
/// libtorch's convolution).
///   - Forward, up to 4 input channels: register-blocked loops vectorised along the output row.
///     With more, libtorch's own (oneDNN) forward, which is as fast there.
///   - Backward (input, weight and bias gradients): images interleaved in groups of 8, one
///     vector = one pixel of 8 images, so every lane is used whatever the row width.
/// Why it exists: for few channels oneDNN spends most of its time outside arithmetic (LeNet-5's
/// 1->6 convolution ran at ~26 GFLOP/s of ~90 possible; its 6->16 backward at ~40).
/// Why only in fast mode: it sums in a different order than oneDNN, so results are not
/// bitwise equal to PyTorch's; they agree to float rounding (tests/model/test_direct_conv2d).
///
/// Deterministic for any thread count: the forward and input gradient parallelise over
/// images, and the weight and bias gradients are per-group partial sums added in group order.
///
/// Contract: input [N, Ci, H, W] float32 CPU, weight [Co, Ci, K, K] with K in {3, 5},
/// bias [Co] or undefined, stride 1, dilation 1, groups 1, zero padding 0 <= p < K.
/// Output [N, Co, H + 2p - K + 1, W + 2p - K + 1]. Other cases throw (use `supported`).
#include <torch/torch.h>

namespace modlr {

/// Whether direct_conv2d covers these arguments.
bool direct_conv2d_supported(const torch::Tensor& input, const torch::Tensor& weight, int64_t padding);

/// The functional form (autograd-aware: gradients for input, weight and bias).
torch::Tensor direct_conv2d(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                            int64_t padding);

/// Whether a Conv2d layer's options fall in the kernel's range and it has few enough input
/// channels (<= 6) that the kernels beat oneDNN: bench/conv_kernels measured forward+backward
/// 2-3.5x for 1-4 input channels, 1.3-1.6x for 6, 1.0-1.2x for 8 and 0.8-0.95x for 16.
bool direct_conv2d_pays_off(const torch::nn::detail::ConvNdOptions<2>& options);

/// Runs an existing Conv2d's parameters through direct_conv2d. Holds the Conv2d (which stays
/// registered in its model, so parameter names, initialisation, checkpoints and export are
/// those of the Conv2d); registers nothing itself.
class DirectConv2dImpl : public torch::nn::Module {
 public:
  explicit DirectConv2dImpl(torch::nn::Conv2d conv);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_;
  int64_t padding_;
};
TORCH_MODULE(DirectConv2d);

}  // namespace modlr
