#pragma once
// Adam/AdamW with PyTorch Python's arithmetic (torch/optim/adam.py, _single_tensor_adam, as
// of 2.x): the first moment is updated with lerp_ (exp_avg + (1 - beta1) * (grad - exp_avg))
// where libtorch's C++ Adam computes beta1 * exp_avg + (1 - beta1) * grad, and the square
// root of the second bias correction is pow(x, 0.5). The two round differently, so strict
// mode, whose runs must equal the PyTorch twin's bit for bit, steps with this one. The
// state is libtorch's own (AdamParamState / AdamWParamState), so checkpoints carry over.
// Private to src/optimizer.
#include <torch/torch.h>

#include <cmath>

#include "modlr/optimizer/multi_tensor.h"

namespace modlr {

template <typename Base, typename Options, typename State, bool decoupled_decay>
class PyTorchAdam : public Base {
 public:
  PyTorchAdam(std::vector<torch::Tensor> params, Options options) : Base(std::move(params), options) {}

  torch::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr) override {
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    for (auto& group : this->param_groups_) {
      const auto& options = static_cast<const Options&>(group.options());
      if (on_gpu(group) && !options.amsgrad()) {
        step_multi_tensor(group, options);
        continue;
      }
      for (auto& param : group.params())
        if (param.grad().defined()) update(param, options);
    }
    return loss;
  }

 protected:
  // The parameter's state, created on its first step (as libtorch's and Python's Adam do).
  State& state_of(const torch::Tensor& param, bool amsgrad) {
    auto& slot = this->state_[param.unsafeGetTensorImpl()];
    if (!slot) {
      auto state = std::make_unique<State>();
      state->step(0);
      state->exp_avg(torch::zeros_like(param, torch::MemoryFormat::Preserve));
      state->exp_avg_sq(torch::zeros_like(param, torch::MemoryFormat::Preserve));
      if (amsgrad) state->max_exp_avg_sq(torch::zeros_like(param, torch::MemoryFormat::Preserve));
      slot = std::move(state);
    }
    return static_cast<State&>(*slot);
  }

 private:
  // Python's default on CUDA is its multi-tensor step: take it there (multi_tensor.h).
  static bool on_gpu(const torch::optim::OptimizerParamGroup& group) {
    return !group.params().empty() && group.params().front().is_cuda();
  }

  void step_multi_tensor(torch::optim::OptimizerParamGroup& group, const Options& options) {
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
    std::vector<int64_t> steps;
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      TORCH_CHECK(!param.grad().is_sparse(), "Adam does not support sparse gradients");
      auto& state = state_of(param, /*amsgrad=*/false);
      state.step(state.step() + 1);
      params.push_back(param);
      grads.push_back(param.grad());
      exp_avgs.push_back(state.exp_avg());
      exp_avg_sqs.push_back(state.exp_avg_sq());
      steps.push_back(state.step());
    }
    AdamHyper hyper;
    hyper.lr = options.lr();
    hyper.beta1 = std::get<0>(options.betas());
    hyper.beta2 = std::get<1>(options.betas());
    hyper.eps = options.eps();
    hyper.weight_decay = options.weight_decay();
    hyper.decoupled_weight_decay = decoupled_decay;
    multi_tensor_adam_step(params, std::move(grads), exp_avgs, exp_avg_sqs, steps, hyper);
  }

  void update(torch::Tensor& param, const Options& options) {
    auto grad = param.grad();
    TORCH_CHECK(!grad.is_sparse(), "Adam does not support sparse gradients");
    auto& state = state_of(param, options.amsgrad());
    state.step(state.step() + 1);
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    const double lr = options.lr(), decay = options.weight_decay();
    if (decay != 0) {
      if (decoupled_decay)
        param.mul_(1 - lr * decay);
      else
        grad = grad.add(param, decay);
    }
    auto& exp_avg = state.exp_avg();
    auto& exp_avg_sq = state.exp_avg_sq();
    exp_avg.lerp_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const auto step = static_cast<double>(state.step());
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double bias_correction2 = 1 - std::pow(beta2, step);
    const double step_size = lr / bias_correction1;
    const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
    torch::Tensor denom;
    if (options.amsgrad()) {
      auto& max_exp_avg_sq = state.max_exp_avg_sq();
      torch::maximum_out(max_exp_avg_sq, max_exp_avg_sq, exp_avg_sq);
      denom = (max_exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options.eps());
    } else {
      denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options.eps());
    }
    param.addcdiv_(exp_avg, denom, -step_size);
  }
};

}  // namespace modlr
