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
#include <memory>

#include "modlr/loss/judge.h"
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
  double real_target_;
};

/// The `acgan` loss: the auxiliary-classifier GAN (Odena et al. 2017). The generator is
/// conditioned on a class (model/conditional.h: input [noise, one_hot(c)]); the
/// discriminator returns [B, 1 + K]: column 0 the real/generated logit s, columns 1..K the
/// class logits a. With c the classes drawn for the generated batch and y the real batch's
/// targets (int64 [B] in [0, K)):
///   discriminator = BCE(s(x), real_target) + BCE(s(G(z, c)), 0)
///                   + w * (CE(a(x), y) + CE(a(G(z, c)), c))
///   generator     = BCE(s(G(z, c)), 1) + w * CE(a(G(z, c)), c)
/// (the paper's L_S + L_C and L_C - L_S, the generator's L_S non-saturating as in `gan`),
/// w = auxiliary_weight, every term a mean over the batch. Each call draws z ~ N(0, 1)
/// [B, latent], then c uniform in [0, K) [B], from torch's global generator; the stages,
/// the evaluation and the d_real / d_fake predictions (column 0) are as in `gan`.
///
/// Rates (LossOutput::rates, metrics/suite.h): class_accuracy: how often a(x) names y on the
/// real batch (discriminator stage and evaluation); judge_accuracy, in evaluation with a
/// judge (loss/judge.h): how often the judge names c for G(z, c).
///
/// Config (loss section): name: acgan, label_smoothing: 0.0 (in [0, 1)), auxiliary_weight:
/// 1.0 (>= 0), judge: {config, checkpoint} (optional; loaded in prepare(), so `modlr
/// summary` and `modlr data` do not need its files).
class AcganLoss : public Loss {
 public:
  /// Throws modlr::Error unless label_smoothing is in [0, 1) and auxiliary_weight >= 0.
  AcganLoss(double label_smoothing, double auxiliary_weight, std::shared_ptr<Judge> judge = nullptr);
  /// The judge to load in prepare(): the `loss.judge` section ({config, checkpoint}, read
  /// now; the files are read in prepare(), whose errors name its keys).
  void judge_from(const Config& judge_section);
  /// Loads the judge named by judge_from() (once). Throws modlr::Error naming
  /// loss.judge.checkpoint when the file is missing, loss.judge for any other failure.
  void prepare() override;
  std::vector<std::string> objectives() const override { return {"discriminator", "generator"}; }
  Task task() const override { return Task::generative; }
  /// Throws modlr::Error for an unknown objective, a missing model, an unconditional
  /// generator, a discriminator that does not return [B, 1 + K] or targets outside [0, K).
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) override;

 private:
  struct Generated;
  Generated generate(ModelSet& models, int64_t batch_size, bool track_generator);
  torch::Tensor discriminate(ModelSet& models, const torch::Tensor& images, int64_t classes);
  torch::Tensor discriminator_objective(const torch::Tensor& real, const torch::Tensor& fake,
                                        const torch::Tensor& targets, const torch::Tensor& classes) const;
  torch::Tensor generator_objective(const torch::Tensor& fake, const torch::Tensor& classes) const;
  double real_target_, auxiliary_weight_;
  std::shared_ptr<Judge> judge_;
  std::unique_ptr<Config> judge_section_;  ///< set by judge_from(), until prepare() loads it
};

}  // namespace modlr
