#pragma once
/// MODLR component 4: the Loss. It turns (models, batch) into named scalar objectives and
/// the predictions that metrics read. It never steps optimizers or logs.
///
/// A plain classifier's loss returns one objective, "loss". A GAN's loss runs both models
/// and returns "discriminator" and "generator"; the config binds each objective to its own
/// optimizer, and the runner backpropagates and steps them in the configured order.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"
#include "modlr/dataset/batch.h"
#include "modlr/model/model_set.h"

namespace modlr {

/// What the runner asks of the loss for one optimisation stage or one evaluation batch.
struct LossRequest {
  /// The objective the current stage will backpropagate ("" during evaluation). A loss may
  /// compute only that one (a GAN recomputes with the freshly updated other model) or all.
  std::string objective;
  bool training = true;
};

/// A rate the loss measures itself: `hits` of `trials` (an ACGAN's class_accuracy). A metric
/// of that name (metrics/suite.h) is the sum of hits over the sum of trials.
struct Rate {
  torch::Tensor hits;  ///< 0-d, any device and dtype
  int64_t trials = 0;
};

struct LossOutput {
  LossOutput() = default;
  /// `return {{{"loss", loss}}, logits, batch.y};` in a Loss reads as before `rates` existed.
  LossOutput(std::map<std::string, torch::Tensor> named_objectives, torch::Tensor outputs = {},
             torch::Tensor truths = {})
      : objectives(std::move(named_objectives)), predictions(std::move(outputs)), targets(std::move(truths)) {}
  /// Named scalar objectives; in training, each requested one must require grad.
  std::map<std::string, torch::Tensor> objectives;
  /// What metrics compare with `targets`: class logits [B, K], regression values [B, ...],
  /// a GAN's discriminator logits [N] vs 1 = real / 0 = generated (loss/gan.h), a
  /// translation's searched token ids [N, L] vs the reference ids [N, T] (metrics/suite.h);
  /// undefined when a stage has nothing to measure (a GAN's generator stage, translation
  /// in training).
  torch::Tensor predictions;
  torch::Tensor targets;
  /// Rates by metric name (loss/gan.h's acgan: class_accuracy, judge_accuracy); may be empty.
  std::map<std::string, Rate> rates;
};

/// What kind of predictions a loss produces, which decides the metrics that apply.
enum class Task { classification, regression, generative, translation };

class Loss {
 public:
  virtual ~Loss() = default;
  /// Names of the objectives compute() can return.
  virtual std::vector<std::string> objectives() const = 0;
  virtual Task task() const = 0;
  virtual LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) = 0;
  /// Loads what compute() needs from files (the acgan loss's judge). The runner calls it
  /// before training and before an evaluation; commands that only read the config
  /// (summary, data) never do, so they work without those files. Idempotent; throws
  /// modlr::Error naming the file or the key.
  virtual void prepare() {}
};

using LossRegistry = Registry<std::unique_ptr<Loss>, const Config&>;
LossRegistry& loss_registry();
/// Builds the loss described by `section` (its `name` key picks the factory).
std::unique_ptr<Loss> build_loss(const Config& section);

}  // namespace modlr
