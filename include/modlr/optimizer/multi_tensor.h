#pragma once
/// Multi-tensor updates: one optimizer step over all parameters of a group in a handful of
/// `_foreach` launches, not one chain of ops per parameter. These are PyTorch Python's
/// `_multi_tensor_adam` and `_multi_tensor_sgd` (torch/optim/adam.py, sgd.py, 2.x), which
/// Python uses by default for CUDA tensors; modlr's Adam, AdamW and SGD take them when a
/// group's parameters are on a GPU (so a CUDA run and its twin update alike) and the
/// per-parameter path on the CPU. On the CPU the `_foreach` ops run per tensor through the
/// same kernels, so both paths are bitwise equal there (tests/optimizer/test_multi_tensor.cpp).
/// Shapes: the lists are parallel (params[i], grads[i], ... belong together). Not
/// thread-safe; call under torch::NoGradGuard.
#include <torch/torch.h>

#include <vector>

namespace modlr {

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false;  ///< AdamW: params *= 1 - lr * weight_decay
};

/// One Adam/AdamW step (no AMSGrad). `steps[i]` is parameter i's step count after this
/// step (already incremented by the caller). Updates params, exp_avgs, exp_avg_sqs in place.
void multi_tensor_adam_step(std::vector<torch::Tensor>& params, std::vector<torch::Tensor> grads,
                            std::vector<torch::Tensor>& exp_avgs, std::vector<torch::Tensor>& exp_avg_sqs,
                            const std::vector<int64_t>& steps, const AdamHyper& hyper);

struct SgdHyper {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};

/// One SGD step. With momentum, `buffers[i]` undefined means parameter i's first step (its
/// buffer becomes a copy of its gradient, as in PyTorch); buffers are updated in place.
void multi_tensor_sgd_step(std::vector<torch::Tensor>& params, std::vector<torch::Tensor> grads,
                           std::vector<torch::Tensor>& buffers, const SgdHyper& hyper);

}  // namespace modlr
