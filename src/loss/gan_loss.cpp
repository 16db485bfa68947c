// The `gan` loss; semantics and contracts in include/modlr/loss/gan.h.
#include "modlr/loss/gan.h"

#include "gan_terms.h"

namespace modlr {

LossOutput GanLoss::compute(ModelSet& models, const Batch& batch, const LossRequest& request) {
  LossOutput out;
  const auto z = gan_terms::noise(models.get("generator"), batch.size());
  if (request.objective == "discriminator") {
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;  // the generator is not trained in this stage
      fake = models.forward("generator", z);
    }
    const auto d_real = models.forward("discriminator", batch.x);
    const auto d_fake = models.forward("discriminator", fake);
    out.objectives["discriminator"] = gan_terms::bce(d_real, real_target_) + gan_terms::bce(d_fake, 0.0);
    gan_terms::add_predictions(out, d_real, d_fake);
  } else if (request.objective == "generator") {
    const auto d_fake = models.forward("discriminator", models.forward("generator", z));
    out.objectives["generator"] = gan_terms::bce(d_fake, 1.0);
  } else if (request.objective.empty() && !request.training) {
    const auto fake = models.forward("generator", z);
    const auto d_real = models.forward("discriminator", batch.x);
    const auto d_fake = models.forward("discriminator", fake);
    out.objectives["discriminator"] = gan_terms::bce(d_real, real_target_) + gan_terms::bce(d_fake, 0.0);
    out.objectives["generator"] = gan_terms::bce(d_fake, 1.0);
    gan_terms::add_predictions(out, d_real, d_fake);
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
