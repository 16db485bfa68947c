// The `acgan` loss; semantics and contracts in include/modlr/loss/gan.h.
#include <filesystem>

#include "gan_terms.h"
#include "modlr/loss/gan.h"
#include "modlr/model/conditional.h"

namespace modlr {
namespace {

int64_t generator_classes(const ModelSet& models) {
  const auto* conditional = dynamic_cast<const ConditionalGenerator*>(&models.get("generator"));
  if (!conditional || conditional->classes() <= 0)
    throw Error("loss 'acgan' needs a generator conditioned on classes (model.generator.classes > 0)");
  return conditional->classes();
}

// The real batch's classes, checked against the auxiliary head's K (on the CPU only: a
// check on the device would wait for it every step).
const torch::Tensor& class_targets(const Batch& batch, int64_t classes) {
  const auto& y = batch.y;
  if (!y.defined() || y.dim() != 1 || y.scalar_type() != torch::kLong || y.size(0) != batch.size())
    throw Error("loss 'acgan': expected class targets int64 [B] in the batch");
  if (y.device().is_cpu() && y.numel() > 0 && (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= classes))
    throw Error("loss 'acgan': a target class outside [0, " + std::to_string(classes) +
                ") (model.discriminator.classes must cover the data's classes)");
  return y;
}

Rate argmax_rate(const torch::Tensor& logits, const torch::Tensor& labels) {
  return {logits.detach().argmax(1).eq(labels).sum(), labels.size(0)};
}

}  // namespace

struct AcganLoss::Generated {
  torch::Tensor images;   // G(z, c) [B, C, H, W]
  torch::Tensor classes;  // c, int64 [B]
};

AcganLoss::AcganLoss(double label_smoothing, double auxiliary_weight, std::shared_ptr<Judge> judge)
    : real_target_(1.0 - label_smoothing), auxiliary_weight_(auxiliary_weight), judge_(std::move(judge)) {
  if (!(label_smoothing >= 0 && label_smoothing < 1)) throw Error("AcganLoss: label_smoothing must be in [0, 1)");
  if (!(auxiliary_weight >= 0)) throw Error("AcganLoss: auxiliary_weight must be >= 0");
}

AcganLoss::Generated AcganLoss::generate(ModelSet& models, int64_t batch_size, bool track_generator) {
  const int64_t k = generator_classes(models);
  const auto z = gan_terms::noise(models.get("generator"), batch_size, k);
  const auto classes = torch::randint(k, {batch_size}, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
  const auto input = conditional_input(z, classes, k);
  if (track_generator) return {models.forward("generator", input), classes};
  torch::NoGradGuard no_grad;  // the generator is not trained in this stage
  return {models.forward("generator", input), classes};
}

torch::Tensor AcganLoss::discriminate(ModelSet& models, const torch::Tensor& images, int64_t classes) {
  auto logits = models.forward("discriminator", images);
  if (logits.dim() != 2 || logits.size(1) != 1 + classes)
    throw Error("loss 'acgan': the discriminator must return [B, 1 + " + std::to_string(classes) +
                "] (model.discriminator.classes: " + std::to_string(classes) + "), got " + c10::str(logits.sizes()));
  return logits;
}

torch::Tensor AcganLoss::discriminator_objective(const torch::Tensor& real, const torch::Tensor& fake,
                                                 const torch::Tensor& targets, const torch::Tensor& classes) const {
  namespace F = torch::nn::functional;
  const int64_t k = real.size(1) - 1;
  const auto adversarial = gan_terms::bce(real.select(1, 0), real_target_) + gan_terms::bce(fake.select(1, 0), 0.0);
  const auto auxiliary =
      F::cross_entropy(real.narrow(1, 1, k), targets) + F::cross_entropy(fake.narrow(1, 1, k), classes);
  return adversarial + auxiliary_weight_ * auxiliary;
}

torch::Tensor AcganLoss::generator_objective(const torch::Tensor& fake, const torch::Tensor& classes) const {
  namespace F = torch::nn::functional;
  const auto auxiliary = F::cross_entropy(fake.narrow(1, 1, fake.size(1) - 1), classes);
  return gan_terms::bce(fake.select(1, 0), 1.0) + auxiliary_weight_ * auxiliary;
}

LossOutput AcganLoss::compute(ModelSet& models, const Batch& batch, const LossRequest& request) {
  const bool evaluation = request.objective.empty() && !request.training;
  if (!evaluation && request.objective != "discriminator" && request.objective != "generator")
    throw Error("acgan loss: unknown objective '" + request.objective + "' (known: discriminator, generator)");
  LossOutput out;
  const auto fake = generate(models, batch.size(), request.objective == "generator");
  const int64_t k = generator_classes(models);
  if (request.objective == "generator") {
    out.objectives["generator"] = generator_objective(discriminate(models, fake.images, k), fake.classes);
    return out;
  }
  const auto& targets = class_targets(batch, k);
  const auto d_real = discriminate(models, batch.x, k);  // two batch-norm batches, as in `gan`
  const auto d_fake = discriminate(models, fake.images, k);
  out.objectives["discriminator"] = discriminator_objective(d_real, d_fake, targets, fake.classes);
  if (evaluation) out.objectives["generator"] = generator_objective(d_fake, fake.classes);
  gan_terms::add_predictions(out, d_real.select(1, 0), d_fake.select(1, 0));
  out.rates["class_accuracy"] = argmax_rate(d_real.narrow(1, 1, k), targets);
  if (evaluation && judge_)
    out.rates["judge_accuracy"] = {judge_->classify(fake.images).eq(fake.classes).sum(), batch.size()};
  return out;
}

void AcganLoss::judge_from(const Config& judge_section) {
  judge_section.get<std::string>("config");  // both keys read now: unknown-key checks, the record
  judge_section.get<std::string>("checkpoint");
  judge_section_ = std::make_unique<Config>(judge_section);
}

void AcganLoss::prepare() {
  if (!judge_section_) return;
  const auto& section = *judge_section_;
  const auto config = section.get<std::string>("config"), checkpoint = section.get<std::string>("checkpoint");
  if (!std::filesystem::exists(checkpoint))
    section.fail("checkpoint", checkpoint + ": no such file (train the judge first: README, the conditional GAN)");
  try {
    judge_ = std::make_shared<Judge>(config, checkpoint);
  } catch (const Error& e) {
    section.fail("", e.what());
  }
  judge_section_.reset();
}

MODLR_REGISTER(loss_registry, "acgan", [](const Config& c) -> std::unique_ptr<Loss> {
  const double smoothing = c.get<double>("label_smoothing", 0.0);
  if (smoothing < 0 || smoothing >= 1) c.fail("label_smoothing", "must be in [0, 1)");
  const double weight = c.get<double>("auxiliary_weight", 1.0);
  if (!(weight >= 0)) c.fail("auxiliary_weight", "must be >= 0");
  auto loss = std::make_unique<AcganLoss>(smoothing, weight);
  if (c.has("judge")) loss->judge_from(c.section("judge"));
  return loss;
});

}  // namespace modlr
