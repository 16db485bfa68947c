#pragma once
/// A Linear layer whose matrix products run as two halves on two cores, for fast mode
/// (runner.mode: fast).
///
/// Why: written for Debian's libtorch 1.13, whose OpenBLAS pool fought libtorch's, so modlr
/// ran OpenBLAS on one thread and a Linear used one core while the other idled; split in two,
/// both cores shared LeNet-5's 400->120 layer. PyPI's libtorch threads its MKL products itself,
/// but their rounding then depends on the thread count (seen with MKL 2024.2 on AVX-512); the
/// split's results do not.
/// How: the forward and the input gradient split the batch rows, the weight gradient the
/// output features, always at the same place (half, rounded down), each half one
/// single-threaded product (MKL held to one thread on the worker) run by one of libtorch's
/// threads, so split_linear's results do not depend on the thread count. They usually equal
/// torch::linear's bit for bit, but not always (a BLAS may block a 32-row product differently
/// from a 64-row one), hence fast mode only.
///
/// Input [N, in] float32 on CPU, weight [out, in], bias [out] or undefined; output [N, out].
#include <torch/torch.h>

namespace modlr {

/// The functional form (autograd-aware: gradients for input, weight and bias).
torch::Tensor split_linear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias);

/// Runs an existing Linear's parameters through split_linear when libtorch has 2 or more
/// threads; on one thread, and for other inputs (e.g. [N, T, in], float64), the Linear's own
/// forward. Holds the Linear (which stays registered in its model: parameter names,
/// initialisation, checkpoints and export are the Linear's); registers nothing itself.
class SplitLinearImpl : public torch::nn::Module {
 public:
  explicit SplitLinearImpl(torch::nn::Linear linear) : linear_(std::move(linear)) {}
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear linear_;
};
TORCH_MODULE(SplitLinear);

}  // namespace modlr
