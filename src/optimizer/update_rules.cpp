// The update rules modlr ships, as thin config readers over libtorch's optimizers (which
// match PyTorch Python's step for step; multi-tensor steps on a GPU, as Python's default
// there), and fast mode's fused Adam/AdamW.
#include "modlr/optimizer/optimizer.h"

#include <cmath>

#include "../fast/fused_adam_kernel.h"
#include "modlr/core/cpu_features.h"
#include "pytorch_adam.h"
#include "pytorch_sgd.h"

namespace modlr {
namespace {

std::tuple<double, double> read_betas(const Config& c) {
  const auto betas = c.get<std::vector<double>>("betas", {0.9, 0.999});
  if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1)
    c.fail("betas", "must be two numbers in [0, 1)");
  return {betas[0], betas[1]};
}

std::unique_ptr<torch::optim::Optimizer> make_sgd(const Config& c, std::vector<torch::Tensor> p, double lr) {
  auto options = torch::optim::SGDOptions(lr)
                     .momentum(c.get_positive("momentum", 0.0, true))
                     .dampening(c.get_positive("dampening", 0.0, true))
                     .nesterov(c.get<bool>("nesterov", false))
                     .weight_decay(c.get_positive("weight_decay", 0.0, true));
  if (options.nesterov() && (options.momentum() <= 0 || options.dampening() != 0))
    c.fail("nesterov", "needs momentum > 0 and dampening 0");
  return std::make_unique<PyTorchSgd>(std::move(p), options);
}

template <typename Options>
Options adam_options(const Config& c, double lr, double default_weight_decay) {
  return Options(lr)
      .betas(read_betas(c))
      .eps(c.get_positive("eps", 1e-8))
      .weight_decay(c.get_positive("weight_decay", default_weight_decay, true))
      .amsgrad(c.get<bool>("amsgrad", false));
}

using StrictAdam = PyTorchAdam<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState, false>;
using StrictAdamW = PyTorchAdam<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState, true>;

std::unique_ptr<torch::optim::Optimizer> make_adam(const Config& c, std::vector<torch::Tensor> p, double lr) {
  return std::make_unique<StrictAdam>(std::move(p), adam_options<torch::optim::AdamOptions>(c, lr, 0.0));
}

std::unique_ptr<torch::optim::Optimizer> make_adamw(const Config& c, std::vector<torch::Tensor> p, double lr) {
  return std::make_unique<StrictAdamW>(std::move(p), adam_options<torch::optim::AdamWOptions>(c, lr, 1e-2));
}

// Adam/AdamW whose step runs one loop per parameter (moments, bias correction and update
// in a single pass) instead of libtorch's ~8 tensor ops, each a dispatch and a pass over
// memory: the MLP's step spent half its time there. Same state (AdamParamState /
// AdamWParamState), so checkpoints and resume work as with libtorch's; same arithmetic in
// a different association, so not bitwise equal to PyTorch (fast mode only). AMSGrad,
// non-float or non-contiguous parameters take strict mode's step (PyTorchAdam).
template <typename Base, typename Options, typename State, bool decoupled_decay>
class FusedAdam : public PyTorchAdam<Base, Options, State, decoupled_decay> {
  using Strict = PyTorchAdam<Base, Options, State, decoupled_decay>;

 public:
  FusedAdam(std::vector<torch::Tensor> params, Options options) : Strict(std::move(params), options) {}

  torch::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr) override {
    if (!fusable()) return Strict::step(std::move(closure));
    torch::NoGradGuard no_grad;
    for (auto& group : this->param_groups_) {
      const auto& options = static_cast<const Options&>(group.options());
      for (auto& param : group.params())
        if (param.grad().defined()) update(param, options);
    }
    return {};
  }

 private:
  bool fusable() const {
    if (!cpu_has_avx2_fma()) return false;
    for (const auto& group : this->param_groups_) {
      if (static_cast<const Options&>(group.options()).amsgrad()) return false;
      for (const auto& p : group.params())
        if (p.scalar_type() != torch::kFloat32 || !p.is_contiguous() || !p.device().is_cpu() ||
            (p.grad().defined() && (!p.grad().is_contiguous() || p.grad().is_sparse())))
          return false;
    }
    return true;
  }

  void update(torch::Tensor& param, const Options& options) {
    auto& state = this->state_of(param, /*amsgrad=*/false);  // fusable() excludes AMSGrad
    state.step(state.step() + 1);
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    const double decay = options.weight_decay();
    fused_adam::Step s;
    s.beta1 = static_cast<float>(beta1);
    s.beta2 = static_cast<float>(beta2);
    s.one_minus_beta1 = static_cast<float>(1 - beta1);
    s.one_minus_beta2 = static_cast<float>(1 - beta2);
    s.step_size = static_cast<float>(options.lr() / (1 - std::pow(beta1, state.step())));
    s.inv_sqrt_bc2 = static_cast<float>(1 / std::sqrt(1 - std::pow(beta2, state.step())));
    s.eps = static_cast<float>(options.eps());
    s.decay = decoupled_decay ? 0.0f : static_cast<float>(decay);
    s.shrink = decoupled_decay ? static_cast<float>(1 - options.lr() * decay) : 1.0f;
    fused_adam::update(param.data_ptr<float>(), param.grad().data_ptr<float>(),
                       state.exp_avg().template data_ptr<float>(), state.exp_avg_sq().template data_ptr<float>(),
                       param.numel(), s);
  }
};

std::unique_ptr<torch::optim::Optimizer> make_fused_adam(const Config& c, std::vector<torch::Tensor> p, double lr) {
  using Fused = FusedAdam<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState, false>;
  return std::make_unique<Fused>(std::move(p), adam_options<torch::optim::AdamOptions>(c, lr, 0.0));
}

std::unique_ptr<torch::optim::Optimizer> make_fused_adamw(const Config& c, std::vector<torch::Tensor> p, double lr) {
  using Fused = FusedAdam<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState, true>;
  return std::make_unique<Fused>(std::move(p), adam_options<torch::optim::AdamWOptions>(c, lr, 1e-2));
}

}  // namespace

MODLR_REGISTER(optimizer_registry, "sgd", make_sgd);
MODLR_REGISTER(optimizer_registry, "adam", make_adam);
MODLR_REGISTER(optimizer_registry, "adamw", make_adamw);
MODLR_REGISTER(fast_optimizer_registry, "adam", make_fused_adam);
MODLR_REGISTER(fast_optimizer_registry, "adamw", make_fused_adamw);

}  // namespace modlr
