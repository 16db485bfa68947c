#pragma once
/// An exponential moving average of a ModelSet's weights (runner.ema_decay), as PyTorch's
/// `AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)`:
/// the first update copies the weights, each later one moves the averages towards them,
/// `average.lerp_(weight, 1 - decay)` (one multi-tensor lerp, the kernel PyTorch uses).
/// Floating-point buffers (batch-norm statistics) are averaged like parameters; integer
/// buffers (batch counters) are copied.
///
/// The Runner updates it after every batch that stepped an optimizer, evaluates with the
/// averages swapped in during fit(), and leaves them in the models when fit() ends (so the
/// test split and model.safetensors use them); checkpoints carry the averages.
/// Not thread-safe; the models must outlive it.
#include <torch/torch.h>

#include <vector>

#include "modlr/model/model_set.h"
#include "modlr/tracking/training_state.h"

namespace modlr {

class WeightAverage {
 public:
  /// decay in (0, 1).
  WeightAverage(const ModelSet& models, double decay);

  /// Moves the averages towards the models' current weights.
  void update();
  /// Exchanges the models' weights and the averages (a second call undoes the first).
  void swap();
  /// Whether update() ran at least once (before, there is nothing to average).
  bool started() const { return updates_ > 0; }
  double decay() const { return decay_; }

  /// The averages and the update count (copies); restore() puts them back and throws
  /// modlr::Error, changing nothing, if they do not fit these models.
  TrainingState::WeightAverages state() const;
  void restore(const TrainingState::WeightAverages& state);

 private:
  std::vector<torch::Tensor> floating_;  ///< the models' floating-point parameters and buffers
  std::vector<torch::Tensor> floating_averages_;
  std::vector<torch::Tensor> integers_;  ///< integer buffers, copied
  std::vector<torch::Tensor> integer_copies_;
  double decay_;
  int64_t updates_ = 0;
};

}  // namespace modlr
