// PyTorch Python's multi-tensor Adam and SGD, op for op (see the header).
#include "modlr/optimizer/multi_tensor.h"

#include <cmath>

namespace modlr {

void multi_tensor_adam_step(std::vector<torch::Tensor>& params, std::vector<torch::Tensor> grads,
                            std::vector<torch::Tensor>& exp_avgs, std::vector<torch::Tensor>& exp_avg_sqs,
                            const std::vector<int64_t>& steps, const AdamHyper& h) {
  if (params.empty()) return;
  if (h.weight_decay != 0) {
    if (h.decoupled_weight_decay)
      at::_foreach_mul_(params, 1 - h.lr * h.weight_decay);
    else
      grads = at::_foreach_add(grads, params, h.weight_decay);
  }
  at::_foreach_lerp_(exp_avgs, grads, 1 - h.beta1);
  at::_foreach_mul_(exp_avg_sqs, h.beta2);
  at::_foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - h.beta2);
  std::vector<at::Scalar> step_sizes, bias_correction2_sqrt;
  for (const int64_t step : steps) {
    const double bias_correction1 = 1 - std::pow(h.beta1, static_cast<double>(step));
    const double bias_correction2 = 1 - std::pow(h.beta2, static_cast<double>(step));
    step_sizes.emplace_back((h.lr / bias_correction1) * -1);
    bias_correction2_sqrt.emplace_back(std::pow(bias_correction2, 0.5));
  }
  auto denominators = at::_foreach_sqrt(exp_avg_sqs);
  at::_foreach_div_(denominators, bias_correction2_sqrt);
  at::_foreach_add_(denominators, h.eps);
  at::_foreach_addcdiv_(params, exp_avgs, denominators, step_sizes);
}

void multi_tensor_sgd_step(std::vector<torch::Tensor>& params, std::vector<torch::Tensor> grads,
                           std::vector<torch::Tensor>& buffers, const SgdHyper& h) {
  if (params.empty()) return;
  if (h.weight_decay != 0) grads = at::_foreach_add(grads, params, h.weight_decay);
  if (h.momentum != 0) {
    std::vector<torch::Tensor> existing, their_grads;
    for (size_t i = 0; i < params.size(); ++i) {
      if (!buffers[i].defined()) {
        buffers[i] = torch::clone(grads[i]).detach();  // the first step: no dampening
      } else {
        existing.push_back(buffers[i]);
        their_grads.push_back(grads[i]);
      }
    }
    if (!existing.empty()) {
      at::_foreach_mul_(existing, h.momentum);
      at::_foreach_add_(existing, their_grads, 1 - h.dampening);
    }
    grads = h.nesterov ? at::_foreach_add(grads, buffers, h.momentum) : buffers;
  }
  at::_foreach_add_(params, grads, -h.lr);
}

}  // namespace modlr
