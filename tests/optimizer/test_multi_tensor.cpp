// Multi-tensor steps (Python's foreach Adam/AdamW/SGD, what modlr runs on a GPU) against the
// per-parameter steps strict mode runs on the CPU: on the CPU both go through the same
// kernels, so they must agree bit for bit, step after step; on a GPU the optimizers take the
// multi-tensor path themselves (checked where a GPU is).
#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "modlr/optimizer/multi_tensor.h"
#include "modlr/optimizer/optimizer.h"

using modlr::Config;

namespace {

struct Problem {
  std::vector<torch::Tensor> params;
  torch::Tensor x, y;
  explicit Problem(torch::Device device = torch::kCPU) {
    torch::manual_seed(3);
    params = {torch::randn({5, 4}), torch::randn({5}), torch::randn({3, 5})};
    for (auto& p : params) p = p.to(device).requires_grad_();
    x = torch::randn({16, 4}).to(device);
    y = torch::randn({16, 3}).to(device);
  }
  void backward() {
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    const auto hidden = torch::tanh(torch::addmm(params[1], x, params[0].t()));
    torch::mm(hidden, params[2].t()).sub(y).pow(2).mean().backward();
  }
};

std::vector<torch::Tensor> with_optimizer(const std::string& yaml, int steps, torch::Device device) {
  Problem problem(device);
  auto optimizer = modlr::build_optimizer(Config::parse(yaml, "opt.yaml"), problem.params, 1, "model", "loss");
  for (int i = 0; i < steps; ++i) {
    problem.backward();
    optimizer->step();
  }
  std::vector<torch::Tensor> out;
  for (const auto& p : problem.params) out.push_back(p.detach().cpu());
  return out;
}

std::vector<torch::Tensor> with_adam_foreach(const modlr::AdamHyper& hyper, int steps) {
  Problem problem;
  std::vector<torch::Tensor> exp_avgs, exp_avg_sqs;
  for (const auto& p : problem.params) {
    exp_avgs.push_back(torch::zeros_like(p));
    exp_avg_sqs.push_back(torch::zeros_like(p));
  }
  for (int i = 1; i <= steps; ++i) {
    problem.backward();
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> grads;
    for (const auto& p : problem.params) grads.push_back(p.grad());
    modlr::multi_tensor_adam_step(problem.params, grads, exp_avgs, exp_avg_sqs,
                                  std::vector<int64_t>(problem.params.size(), i), hyper);
  }
  return problem.params;
}

std::vector<torch::Tensor> with_sgd_foreach(const modlr::SgdHyper& hyper, int steps) {
  Problem problem;
  std::vector<torch::Tensor> buffers(problem.params.size());
  for (int i = 0; i < steps; ++i) {
    problem.backward();
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> grads;
    for (const auto& p : problem.params) grads.push_back(p.grad());
    modlr::multi_tensor_sgd_step(problem.params, grads, buffers, hyper);
  }
  return problem.params;
}

void expect_bitwise(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::equal(a[i].detach(), b[i].detach())) << what << ", parameter " << i;
}

}  // namespace

TEST(MultiTensor, AdamAndAdamWEqualThePerParameterStepBitwise) {
  modlr::AdamHyper adam;
  adam.lr = 0.01;
  adam.weight_decay = 0.1;
  expect_bitwise(with_optimizer("name: adam\nlr: 0.01\nweight_decay: 0.1", 20, torch::kCPU),
                 with_adam_foreach(adam, 20), "adam");
  modlr::AdamHyper adamw = adam;
  adamw.decoupled_weight_decay = true;
  adamw.beta1 = 0.8;
  expect_bitwise(with_optimizer("name: adamw\nlr: 0.01\nweight_decay: 0.1\nbetas: [0.8, 0.999]", 20, torch::kCPU),
                 with_adam_foreach(adamw, 20), "adamw");
}

TEST(MultiTensor, SgdEqualsThePerParameterStepBitwise) {
  modlr::SgdHyper plain;
  plain.lr = 0.05;
  expect_bitwise(with_optimizer("name: sgd\nlr: 0.05", 20, torch::kCPU), with_sgd_foreach(plain, 20), "sgd");
  modlr::SgdHyper momentum = plain;
  momentum.momentum = 0.9;
  momentum.dampening = 0.1;
  momentum.weight_decay = 0.01;
  expect_bitwise(
      with_optimizer("name: sgd\nlr: 0.05\nmomentum: 0.9\ndampening: 0.1\nweight_decay: 0.01", 20, torch::kCPU),
      with_sgd_foreach(momentum, 20), "sgd with momentum");
  modlr::SgdHyper nesterov = plain;
  nesterov.momentum = 0.9;
  nesterov.nesterov = true;
  expect_bitwise(with_optimizer("name: sgd\nlr: 0.05\nmomentum: 0.9\nnesterov: true", 20, torch::kCPU),
                 with_sgd_foreach(nesterov, 20), "nesterov");
}

TEST(MultiTensor, OnAGpuTheOptimizersFollowTheirCpuTrajectory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const std::string yaml :
       {"name: sgd\nlr: 0.05\nmomentum: 0.9", "name: adam\nlr: 0.01", "name: adamw\nlr: 0.01"}) {
    const auto cpu = with_optimizer(yaml, 20, torch::kCPU);
    const auto gpu = with_optimizer(yaml, 20, torch::kCUDA);
    for (size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(torch::allclose(cpu[i], gpu[i], 1e-4, 1e-5)) << yaml;
  }
}
