#pragma once
/// The supervised losses: one model, one objective "loss", predictions = the model's
/// outputs. Built from code with their options, or from a `loss` section by name
/// (cross_entropy, mse) through loss_registry(), which reads the same options.
///   cross_entropy: logits [B, K] vs class indices [B] (int64); label_smoothing in [0, 1).
///   mse: outputs vs float targets with the same number of elements per example.
#include "modlr/loss/loss.h"

namespace modlr {

struct CrossEntropyOptions {
  double label_smoothing = 0.0;  ///< in [0, 1)
  /// Reads loss.label_smoothing; errors name the key.
  static CrossEntropyOptions from_config(const Config& section);
};

class CrossEntropyLoss : public Loss {
 public:
  /// Throws modlr::Error when label_smoothing is outside [0, 1).
  explicit CrossEntropyLoss(CrossEntropyOptions options = {});
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::classification; }
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) override;

 private:
  CrossEntropyOptions options_;
};

class MseLoss : public Loss {
 public:
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::regression; }
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) override;
};

}  // namespace modlr
