#include "modlr/loss/supervised.h"

namespace modlr {

CrossEntropyOptions CrossEntropyOptions::from_config(const Config& section) {
  CrossEntropyOptions options;
  options.label_smoothing = section.get<double>("label_smoothing", options.label_smoothing);
  if (options.label_smoothing < 0 || options.label_smoothing >= 1) section.fail("label_smoothing", "must be in [0, 1)");
  return options;
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyOptions options) : options_(options) {
  if (options_.label_smoothing < 0 || options_.label_smoothing >= 1)
    throw Error("CrossEntropyOptions::label_smoothing must be in [0, 1), got " +
                std::to_string(options_.label_smoothing));
}

LossOutput CrossEntropyLoss::compute(ModelSet& models, const Batch& batch, const LossRequest&) {
  auto logits = models.forward(batch.x);
  auto options = torch::nn::functional::CrossEntropyFuncOptions();
  if (options_.label_smoothing > 0) options.label_smoothing(options_.label_smoothing);
  auto loss = torch::nn::functional::cross_entropy(logits, batch.y, options);
  return {{{"loss", loss}}, logits, batch.y};
}

LossOutput MseLoss::compute(ModelSet& models, const Batch& batch, const LossRequest&) {
  auto outputs = models.forward(batch.x);
  auto targets = batch.y.reshape(outputs.sizes());
  return {{{"loss", torch::mse_loss(outputs, targets)}}, outputs, targets};
}

MODLR_REGISTER(loss_registry, "cross_entropy", [](const Config& c) -> std::unique_ptr<Loss> {
  return std::make_unique<CrossEntropyLoss>(CrossEntropyOptions::from_config(c));
});
MODLR_REGISTER(loss_registry, "mse",
               [](const Config&) -> std::unique_ptr<Loss> { return std::make_unique<MseLoss>(); });

}  // namespace modlr
