// The supervised losses: one model, one objective "loss", predictions = model outputs.
//   cross_entropy: logits [B, K] vs class indices [B]; label_smoothing in [0, 1).
//   mse: outputs vs float targets of the same number of elements per example.
#include "modlr/loss/loss.h"

namespace modlr {
namespace {

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(const Config& c) : smoothing_(c.get<double>("label_smoothing", 0.0)) {
    if (smoothing_ < 0 || smoothing_ >= 1) c.fail("label_smoothing", "must be in [0, 1)");
  }
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::classification; }
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest&) override {
    auto logits = models.forward(batch.x);
    auto options = torch::nn::functional::CrossEntropyFuncOptions();
    if (smoothing_ > 0) options.label_smoothing(smoothing_);
    auto loss = torch::nn::functional::cross_entropy(logits, batch.y, options);
    return {{{"loss", loss}}, logits, batch.y};
  }

 private:
  double smoothing_;
};

class MseLoss : public Loss {
 public:
  explicit MseLoss(const Config&) {}
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::regression; }
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest&) override {
    auto outputs = models.forward(batch.x);
    auto targets = batch.y.reshape(outputs.sizes());
    return {{{"loss", torch::mse_loss(outputs, targets)}}, outputs, targets};
  }
};

}  // namespace

MODLR_REGISTER(loss_registry, "cross_entropy", [](const Config& c) -> std::unique_ptr<Loss> {
  return std::make_unique<CrossEntropyLoss>(c);
});
MODLR_REGISTER(loss_registry, "mse", [](const Config& c) -> std::unique_ptr<Loss> {
  return std::make_unique<MseLoss>(c);
});

}  // namespace modlr
