#pragma once
// SGD as PyTorch Python steps it: libtorch's per-parameter step on the CPU (the same
// arithmetic as Python's _single_tensor_sgd), Python's multi-tensor step (its CUDA default)
// when the parameters are on a GPU. The state is libtorch's SGDParamState either way, so
// checkpoints carry over. Private to src/optimizer.
#include <torch/torch.h>

#include "modlr/optimizer/multi_tensor.h"

namespace modlr {

class PyTorchSgd : public torch::optim::SGD {
 public:
  PyTorchSgd(std::vector<torch::Tensor> params, torch::optim::SGDOptions options)
      : torch::optim::SGD(std::move(params), options) {}

  torch::Tensor step(LossClosure closure = nullptr) override {
    if (param_groups_.empty() || param_groups_.front().params().empty() ||
        !param_groups_.front().params().front().is_cuda())
      return torch::optim::SGD::step(std::move(closure));
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    for (auto& group : param_groups_) step_multi_tensor(group);
    return loss;
  }

 private:
  void step_multi_tensor(torch::optim::OptimizerParamGroup& group) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    std::vector<torch::Tensor> params, grads, buffers;
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      params.push_back(param);
      grads.push_back(param.grad());
      const auto& slot = state_[param.unsafeGetTensorImpl()];
      buffers.push_back(slot ? static_cast<torch::optim::SGDParamState&>(*slot).momentum_buffer() : torch::Tensor());
    }
    SgdHyper hyper;
    hyper.lr = options.lr();
    hyper.momentum = options.momentum();
    hyper.dampening = options.dampening();
    hyper.weight_decay = options.weight_decay();
    hyper.nesterov = options.nesterov();
    multi_tensor_sgd_step(params, std::move(grads), buffers, hyper);
    if (hyper.momentum == 0) return;  // as libtorch's SGD: no state without momentum
    for (size_t i = 0; i < params.size(); ++i) {
      auto& slot = state_[params[i].unsafeGetTensorImpl()];
      if (!slot) slot = std::make_unique<torch::optim::SGDParamState>();
      static_cast<torch::optim::SGDParamState&>(*slot).momentum_buffer(buffers[i]);
    }
  }
};

}  // namespace modlr
