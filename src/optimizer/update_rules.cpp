// The update rules modlr ships, as thin config readers over libtorch's optimizers (which
// match PyTorch Python's step for step).
#include "modlr/optimizer/optimizer.h"

namespace modlr {
namespace {

std::tuple<double, double> read_betas(const Config& c) {
  const auto betas = c.get<std::vector<double>>("betas", {0.9, 0.999});
  if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1)
    c.fail("betas", "must be two numbers in [0, 1)");
  return {betas[0], betas[1]};
}

std::unique_ptr<torch::optim::Optimizer> make_sgd(const Config& c, std::vector<torch::Tensor> p) {
  auto options = torch::optim::SGDOptions(c.get_positive("lr", 1e-3))
                     .momentum(c.get_positive("momentum", 0.0, true))
                     .dampening(c.get_positive("dampening", 0.0, true))
                     .nesterov(c.get<bool>("nesterov", false))
                     .weight_decay(c.get_positive("weight_decay", 0.0, true));
  if (options.nesterov() && (options.momentum() <= 0 || options.dampening() != 0))
    c.fail("nesterov", "needs momentum > 0 and dampening 0");
  return std::make_unique<torch::optim::SGD>(std::move(p), options);
}

std::unique_ptr<torch::optim::Optimizer> make_adam(const Config& c, std::vector<torch::Tensor> p) {
  auto options = torch::optim::AdamOptions(c.get_positive("lr", 1e-3))
                     .betas(read_betas(c))
                     .eps(c.get_positive("eps", 1e-8))
                     .weight_decay(c.get_positive("weight_decay", 0.0, true))
                     .amsgrad(c.get<bool>("amsgrad", false));
  return std::make_unique<torch::optim::Adam>(std::move(p), options);
}

std::unique_ptr<torch::optim::Optimizer> make_adamw(const Config& c, std::vector<torch::Tensor> p) {
  auto options = torch::optim::AdamWOptions(c.get_positive("lr", 1e-3))
                     .betas(read_betas(c))
                     .eps(c.get_positive("eps", 1e-8))
                     .weight_decay(c.get_positive("weight_decay", 1e-2, true))
                     .amsgrad(c.get<bool>("amsgrad", false));
  return std::make_unique<torch::optim::AdamW>(std::move(p), options);
}

}  // namespace

MODLR_REGISTER(optimizer_registry, "sgd", make_sgd);
MODLR_REGISTER(optimizer_registry, "adam", make_adam);
MODLR_REGISTER(optimizer_registry, "adamw", make_adamw);

}  // namespace modlr
