#pragma once
/// The `gan` loss: the standard GAN game with binary cross-entropy on logits and the
/// non-saturating generator loss (Goodfellow et al. 2014, section 3).
///
/// Models (ModelSet names): "generator" maps noise [B, generator.input_shape()...] to
/// images shaped like the batch; "discriminator" maps images to one logit each, [B] or
/// [B, 1]. Objectives:
///   discriminator = BCE(D(x), real_target) + BCE(D(G(z)), 0)   (means over the batch)
///   generator     = BCE(D(G(z)), 1)                            (-log D(G(z)), non-saturating)
/// with real_target = 1 - label_smoothing (one-sided label smoothing; default 0).
///
/// Semantics of a training step (LossRequest.objective), chosen so that compute() is a pure
/// function of (models, batch, torch's global generator) and the runner stays unchanged:
/// each call computes only the requested objective and draws its own noise z ~ N(0, 1)
/// from torch's global generator. With the usual optimizer order [discriminator,
/// generator], the generator stage therefore draws fresh noise and sees the discriminator
/// just updated on this batch. In the discriminator stage the generator runs without
/// gradient tracking (its batch-norm statistics still update: it is in training mode).
/// The discriminator sees the real and the generated batch in two separate forward passes
/// (two batch-norm batches, as in the DCGAN reference code).
///
/// Evaluation (objective ""): one noise draw, both objectives from the same D(G(z)).
///
/// Predictions for the metrics (Task::generative: d_real, d_fake): the discriminator
/// stage and evaluation return the logits [D(x); D(G(z))] flattened to [2B] with targets
/// [1 x B; 0 x B] (float); the generator stage returns none.
///
/// Config (loss section): name: gan, label_smoothing: 0.0 (in [0, 1)).
#include "modlr/loss/loss.h"

namespace modlr {

class GanLoss : public Loss {
 public:
  /// Throws modlr::Error unless label_smoothing is in [0, 1).
  explicit GanLoss(double label_smoothing = 0.0) : real_target_(1.0 - label_smoothing) {
    if (!(label_smoothing >= 0 && label_smoothing < 1)) throw Error("GanLoss: label_smoothing must be in [0, 1)");
  }
  std::vector<std::string> objectives() const override { return {"discriminator", "generator"}; }
  Task task() const override { return Task::generative; }
  /// Throws modlr::Error for an objective it does not know, a missing model, or a generator
  /// that does not declare its input shape.
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) override;

 private:
  torch::Tensor noise(ModelSet& models, int64_t batch_size) const;
  double real_target_;
};

}  // namespace modlr
