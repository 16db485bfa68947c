// Runner::evaluate: the model over a split in inference mode, with the time split into
// batch loading (cutting the batch and moving it to the device) and computing (forward,
// loss, metrics), as the bindings study reported inference.
#include <chrono>

#include "modlr/core/interrupt.h"
#include "modlr/runner/runner.h"

namespace modlr {

double Runner::seconds_now() const {
  if (options_.device.is_cuda()) torch::cuda::synchronize();  // the GPU's work so far counts
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Batch Runner::to_device(Batch batch) const {
  if (options_.device.is_cpu()) return batch;
  return batch.map([&](const torch::Tensor& t) { return t.to(options_.device, /*non_blocking=*/true); });
}

namespace {

// The weight averages in the models for the life of the scope (an evaluation during fit()),
// the trained weights back whatever happens.
class AveragesInModels {
 public:
  explicit AveragesInModels(WeightAverage* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AveragesInModels() {
    if (average_) average_->swap();
  }
  AveragesInModels(const AveragesInModels&) = delete;
  AveragesInModels& operator=(const AveragesInModels&) = delete;

 private:
  WeightAverage* average_;
};

}  // namespace

EvaluationResult Runner::evaluate(BatchLoader& loader, const std::string& split) {
  loss_.prepare();
  AveragesInModels averages(ema_ && ema_->started() && fitting_ ? ema_.get() : nullptr);
  Control control;
  state_.split = split;
  fire(Event::evaluation_start, control);
  EvaluationResult result;
  result.split = split;
  {
    c10::InferenceMode inference;
    models_.train(false);
    MetricSuite metrics(loss_.task(), options_.eval_metrics);
    std::map<std::string, double> sums;
    loader.start_epoch();
    Batch batch;
    double mark = seconds_now();
    while (loader.next(batch)) {
      signal_point("evaluation_batch");
      throw_if_stop_requested();        // evaluation has no clean stop: it is rerun on resume
      if (batch.size() == 0) continue;  // data-parallel: an empty slice of the last batch
      batch = to_device(std::move(batch));
      const double loaded = seconds_now();
      result.load_seconds += loaded - mark;
      LossOutput out = compute_loss(batch, {"", false});
      for (const auto& [name, value] : out.objectives)
        sums[name] += value.item<double>() * static_cast<double>(batch.size());
      metrics.update(out.predictions, out.targets);
      metrics.update_rates(out.rates);
      result.examples += batch.size();
      mark = seconds_now();
      result.compute_seconds += mark - loaded;
    }
    if (options_.data_parallel) {  // each rank evaluated its shard: merge them
      options_.data_parallel->merge(metrics);
      sums["\x01examples"] = static_cast<double>(result.examples);
      options_.data_parallel->sum(sums);
      result.examples = static_cast<int64_t>(sums["\x01examples"]);
      sums.erase("\x01examples");
    }
    result.metrics = metrics.compute();
    result.undefined = metrics.undefined();
    for (const auto& [name, sum] : sums)
      result.metrics[name] = sum / static_cast<double>(std::max<int64_t>(result.examples, 1));
    result.confusion_matrix = metrics.confusion_matrix();
  }
  state_.evaluation = &result;
  fire(Event::evaluation_end, control);
  state_.evaluation = nullptr;
  state_.split.clear();  // back to training (hook filters tell the two apart by it)
  return result;
}

}  // namespace modlr
