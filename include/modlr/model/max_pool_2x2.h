#pragma once
/// 2x2 max pooling with stride 2, the pooling of LeNet-1/5: a hand-written kernel that is
/// bitwise identical to torch::nn::MaxPool2d(2) (and PyTorch's nn.MaxPool2d(2)), forward and
/// backward, and several times faster on CPU.
///
/// Why exact: pooling selects, it never sums. The kernel scans each window in row-major
/// order and keeps the first maximum (a NaN always wins, the last NaN of a window is kept),
/// exactly as ATen's CPU kernel does; the backward routes each output gradient to its one
/// selected input, and non-overlapping windows give every input at most one contribution.
/// Why faster: ATen's generic kernel handles any kernel/stride/padding/dilation and stores
/// int64 indices; this one stores the window position in one byte.
///
/// Input [N, C, H, W] float32 on CPU (other inputs fall back to torch::max_pool2d);
/// output [N, C, H/2, W/2] (floor, like ceil_mode=false). AVX2 where the CPU has it.
#include <torch/torch.h>

namespace modlr {

/// The functional form (autograd-aware).
torch::Tensor max_pool_2x2(const torch::Tensor& input);

/// max_pool_2x2(relu(x)) in one pass, for fast mode: the same values and gradients
/// (pooling commutes with the monotone ReLU, and a window's gradient passes unless its
/// maximum is <= 0), but the ReLU's output and its backward pass are never materialised. Not used in
/// strict mode: the sign of a zero output may differ from torch::relu's.
torch::Tensor relu_max_pool_2x2(const torch::Tensor& input);

class MaxPool2x2Impl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return max_pool_2x2(x); }
};
TORCH_MODULE(MaxPool2x2);

class ReluMaxPool2x2Impl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return relu_max_pool_2x2(x); }
};
TORCH_MODULE(ReluMaxPool2x2);

}  // namespace modlr
