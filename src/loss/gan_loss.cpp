// The `gan` loss; semantics and contracts in include/modlr/loss/gan.h.
#include "modlr/loss/gan.h"

namespace modlr {
namespace {

namespace F = torch::nn::functional;

torch::Tensor bce(const torch::Tensor& logits, double target) {
  return F::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

// [D(x); D(G(z))] as [2B] with targets [1 x B; 0 x B]: what the d_real / d_fake metrics read.
void add_predictions(LossOutput& out, const torch::Tensor& d_real, const torch::Tensor& d_fake) {
  out.predictions = torch::cat({d_real.detach().reshape({-1}), d_fake.detach().reshape({-1})});
  out.targets = torch::cat({torch::ones({d_real.numel()}, out.predictions.options()),
                            torch::zeros({d_fake.numel()}, out.predictions.options())});
}

}  // namespace

torch::Tensor GanLoss::noise(ModelSet& models, int64_t batch_size) const {
  const Model& generator = models.get("generator");
  auto shape = generator.input_shape();
  if (shape.empty()) throw Error("gan loss: the generator model declares no input shape, so it cannot be fed noise");
  shape.insert(shape.begin(), batch_size);
  const auto parameters = generator.parameters();
  const auto device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  return torch::randn(shape, torch::TensorOptions().device(device));  // torch's global generator
}

LossOutput GanLoss::compute(ModelSet& models, const Batch& batch, const LossRequest& request) {
  LossOutput out;
  const auto z = noise(models, batch.size());
  if (request.objective == "discriminator") {
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;  // the generator is not trained in this stage
      fake = models.forward("generator", z);
    }
    const auto d_real = models.forward("discriminator", batch.x);
    const auto d_fake = models.forward("discriminator", fake);
    out.objectives["discriminator"] = bce(d_real, real_target_) + bce(d_fake, 0.0);
    add_predictions(out, d_real, d_fake);
  } else if (request.objective == "generator") {
    const auto d_fake = models.forward("discriminator", models.forward("generator", z));
    out.objectives["generator"] = bce(d_fake, 1.0);
  } else if (request.objective.empty() && !request.training) {
    const auto fake = models.forward("generator", z);
    const auto d_real = models.forward("discriminator", batch.x);
    const auto d_fake = models.forward("discriminator", fake);
    out.objectives["discriminator"] = bce(d_real, real_target_) + bce(d_fake, 0.0);
    out.objectives["generator"] = bce(d_fake, 1.0);
    add_predictions(out, d_real, d_fake);
  } else {
    throw Error("gan loss: unknown objective '" + request.objective + "' (known: discriminator, generator)");
  }
  return out;
}

MODLR_REGISTER(loss_registry, "gan", [](const Config& c) -> std::unique_ptr<Loss> {
  const double smoothing = c.get<double>("label_smoothing", 0.0);
  if (smoothing < 0 || smoothing >= 1) c.fail("label_smoothing", "must be in [0, 1)");
  return std::make_unique<GanLoss>(smoothing);
});

}  // namespace modlr
