#include "modlr/runner/runner.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace modlr {

HookRegistry& hook_registry() {
  static HookRegistry registry("hook");
  return registry;
}

const char* event_name(Event event) {
  switch (event) {
    case Event::fit_start: return "fit_start";
    case Event::epoch_start: return "epoch_start";
    case Event::batch_start: return "batch_start";
    case Event::batch_ready: return "batch_ready";
    case Event::after_loss: return "after_loss";
    case Event::after_backward: return "after_backward";
    case Event::after_step: return "after_step";
    case Event::batch_end: return "batch_end";
    case Event::epoch_end: return "epoch_end";
    case Event::evaluation_start: return "evaluation_start";
    case Event::evaluation_end: return "evaluation_end";
    case Event::fit_end: return "fit_end";
  }
  return "?";
}

Runner::Runner(ModelSet& models, Loss& loss, std::vector<std::unique_ptr<Optimizer>>& optimizers,
               RunnerOptions options)
    : models_(models), loss_(loss), optimizers_(optimizers), options_(std::move(options)) {
  state_.epochs = options_.epochs;
  state_.models = &models_;
  state_.optimizers = &optimizers_;
}

void Runner::add_hook(std::shared_ptr<Hook> hook) {
  for (Event event : hook->events()) subscribers_[static_cast<size_t>(event)].push_back(hook.get());
  hooks_.push_back(std::move(hook));
}

// The one dispatch point: every hook call is named and timed here.
void Runner::fire(Event event, Control& control) {
  for (Hook* hook : subscribers_[static_cast<size_t>(event)]) {
    const auto start = std::chrono::steady_clock::now();
    hook->on(event, state_, control);
    hook_seconds_[hook->name()] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
}

void Runner::fit(BatchLoader& train, BatchLoader* validation) {
  MetricSuite metrics(loss_.task(), options_.train_metrics);
  Control control;
  state_.batches_per_epoch = train.batches_per_epoch();
  fire(Event::fit_start, control);
  for (int64_t epoch = 1; epoch <= options_.epochs && !control.stop; ++epoch) {
    state_.epoch = epoch;
    train_epoch(train, metrics, control);
    fire(Event::epoch_end, control);
    if (control.evaluate && validation) evaluate(*validation, "validation");
    control.evaluate = false;
  }
  fire(Event::fit_end, control);
}

void Runner::train_epoch(BatchLoader& train, MetricSuite& metrics, Control& control) {
  for (auto& optimizer : optimizers_) optimizer->start_epoch(state_.epoch - 1);
  models_.train(true);
  metrics.reset();
  std::map<std::string, double> objective_sums;
  state_.examples_seen = 0;
  state_.batch = 0;
  train.start_epoch();
  fire(Event::epoch_start, control);
  Batch batch;
  for (; state_.batch < state_.batches_per_epoch; ++state_.batch) {
    fire(Event::batch_start, control);
    if (!train.next(batch)) throw Error("the training loader ended before its last batch");
    batch = to_device(std::move(batch));
    state_.batch_size = batch.size();
    fire(Event::batch_ready, control);
    train_step(batch, metrics, objective_sums, control);
    state_.examples_seen += batch.size();
    ++state_.global_step;
    fire(Event::batch_end, control);
    if (control.stop) break;
  }
  state_.train_metrics = metrics.compute();
  for (const auto& [name, sum] : objective_sums)
    state_.train_metrics[name] = sum / static_cast<double>(state_.examples_seen);
}

void Runner::train_step(const Batch& batch, MetricSuite& metrics,
                        std::map<std::string, double>& objective_sums, Control& control) {
  bool metrics_updated = false;
  for (auto& optimizer : optimizers_) {
    state_.stage = optimizer->objective();
    optimizer->zero_grad();
    LossOutput out = loss_.compute(models_, batch, {optimizer->objective(), true});
    auto found = out.objectives.find(optimizer->objective());
    if (found == out.objectives.end())
      throw Error("the loss returned no objective '" + optimizer->objective() + "'");
    fire(Event::after_loss, control);
    found->second.backward();
    const double value = found->second.item<double>();
    if (!std::isfinite(value)) {
      std::ostringstream message;
      message << "epoch " << state_.epoch << ", step " << state_.global_step + 1
              << ": objective '" << found->first << "' is " << value
              << "; stopping before the optimizer applies it";
      throw Error(message.str());
    }
    fire(Event::after_backward, control);
    optimizer->step();
    fire(Event::after_step, control);
    state_.step_objectives[found->first] = value;
    objective_sums[found->first] += value * static_cast<double>(batch.size());
    if (!metrics_updated && out.predictions.defined()) {
      metrics.update(out.predictions, out.targets);
      metrics_updated = true;
    }
  }
}

Batch Runner::to_device(Batch batch) const {
  if (options_.device.is_cpu()) return batch;
  return {batch.x.to(options_.device, /*non_blocking=*/true),
          batch.y.to(options_.device, /*non_blocking=*/true)};
}

EvaluationResult Runner::evaluate(BatchLoader& loader, const std::string& split) {
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
    while (loader.next(batch)) {
      batch = to_device(std::move(batch));
      LossOutput out = loss_.compute(models_, batch, {"", false});
      for (const auto& [name, value] : out.objectives)
        sums[name] += value.item<double>() * static_cast<double>(batch.size());
      metrics.update(out.predictions, out.targets);
      result.examples += batch.size();
    }
    result.metrics = metrics.compute();
    for (const auto& [name, sum] : sums)
      result.metrics[name] = sum / static_cast<double>(std::max<int64_t>(result.examples, 1));
    result.confusion_matrix = metrics.confusion_matrix();
  }
  state_.evaluation = &result;
  fire(Event::evaluation_end, control);
  state_.evaluation = nullptr;
  return result;
}

}  // namespace modlr
