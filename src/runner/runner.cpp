#include "modlr/runner/runner.h"

#include <cstring>

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "modlr/core/interrupt.h"

namespace modlr {

HookRegistry& hook_registry() {
  static HookRegistry registry("hook");
  return registry;
}

const char* event_name(Event event) {
  switch (event) {
    case Event::fit_start:
      return "fit_start";
    case Event::epoch_start:
      return "epoch_start";
    case Event::batch_start:
      return "batch_start";
    case Event::batch_ready:
      return "batch_ready";
    case Event::batch_transform:
      return "batch_transform";
    case Event::output_transform:
      return "output_transform";
    case Event::after_loss:
      return "after_loss";
    case Event::after_backward:
      return "after_backward";
    case Event::after_step:
      return "after_step";
    case Event::batch_end:
      return "batch_end";
    case Event::batch_complete:
      return "batch_complete";
    case Event::epoch_end:
      return "epoch_end";
    case Event::evaluation_start:
      return "evaluation_start";
    case Event::evaluation_end:
      return "evaluation_end";
    case Event::epoch_complete:
      return "epoch_complete";
    case Event::fit_end:
      return "fit_end";
  }
  return "?";
}

Runner::Runner(ModelSet& models, Loss& loss, std::vector<std::unique_ptr<Optimizer>>& optimizers, RunnerOptions options)
    : models_(models), loss_(loss), optimizers_(optimizers), options_(std::move(options)) {
  state_.epochs = options_.epochs;
  state_.models = &models_;
  state_.optimizers = &optimizers_;
  state_.runner = this;
  state_.run_dir = options_.run_dir;
  if (options_.data_parallel) {
    state_.rank = options_.data_parallel->rank();
    state_.world_size = options_.data_parallel->world_size();
  }
  if (options_.precision == Precision::fp16) scaler_ = std::make_unique<GradScaler>(options_.device);
  if (options_.ema_decay > 0) ema_ = std::make_unique<WeightAverage>(models_, options_.ema_decay);
  if (options_.accumulate_steps > 1 && optimizers_.size() != 1)
    throw Error("'runner.accumulate_steps': gradient accumulation needs a single optimizer stage (this loss has " +
                std::to_string(optimizers_.size()) + ": a GAN's stages pass gradients through each other's models)");
  if (options_.accumulate_steps > 1 && options_.data_parallel)
    throw Error("'runner.accumulate_steps': not available for data-parallel runs; raise dataset.batch_size instead");
}

// Forward and loss under the run's autocast; predictions handed on in float32 (metrics).
LossOutput Runner::compute_loss(const Batch& batch, const LossRequest& request) {
  LossOutput out;
  {
    AutocastScope autocast(options_.device, options_.precision);
    if (options_.channels_last && batch.x.dim() == 4)
      out = loss_.compute(models_, {batch.x.contiguous(torch::MemoryFormat::ChannelsLast), batch.y, batch.fields},
                          request);
    else
      out = loss_.compute(models_, batch, request);
  }
  if (out.predictions.defined() && out.predictions.is_floating_point())
    out.predictions = out.predictions.to(torch::kFloat32);
  return out;
}

// Backward of the stage's objective (scaled under fp16), its value read into `value`.
// A non-finite objective or gradient is divergence (on_nan: an error or a skipped batch);
// under fp16, non-finite gradients with a finite objective are the loss scale overflowing
// them: the scaler skips the update and lowers the scale.
Runner::StepVerdict Runner::backward_and_check(size_t stage, const std::string& objective,
                                               const torch::Tensor& value_tensor, double share, double& value) {
  Optimizer& optimizer = *optimizers_[stage];
  if (options_.data_parallel) options_.data_parallel->begin_backward(stage, share);
  if (value_tensor.defined()) {  // undefined: a data-parallel rank with an empty slice
    (scaler_ ? scaler_->scale(value_tensor) : value_tensor).backward();
    value = value_tensor.item<double>();
  }
  if (options_.data_parallel) synchronize_gradients(stage, value);
  if (scaler_) {
    if (!finite_or_skip(objective, value)) return StepVerdict::skip_batch;
    std::vector<torch::Tensor> params;
    for (const auto& group : optimizer.impl().param_groups())
      params.insert(params.end(), group.params().begin(), group.params().end());
    return scaler_->unscale(params) ? StepVerdict::apply : StepVerdict::scale_overflow;
  }
  if (std::isfinite(value) && options_.check_gradients && !gradients_finite(optimizer))
    value = std::numeric_limits<double>::quiet_NaN();  // reported as a non-finite gradient
  return finite_or_skip(objective, value) ? StepVerdict::apply : StepVerdict::skip_batch;
}

void Runner::synchronize_gradients(size_t stage, double& value) {
  const auto agreed = options_.data_parallel->end_backward(stage, std::isfinite(value), stop_signal());
  if (!agreed.finite) value = std::numeric_limits<double>::quiet_NaN();
  if (agreed.stop_signal != 0 && agreed_stop_signal_ == 0) agreed_stop_signal_ = agreed.stop_signal;
}

Runner::~Runner() {
  if (!subscribers_[static_cast<size_t>(Event::output_transform)].empty()) models_.set_output_transform(nullptr);
}

void Runner::add_hook(std::shared_ptr<Hook> hook) {
  for (Event event : hook->events()) subscribers_[static_cast<size_t>(event)].push_back(hook.get());
  if (!subscribers_[static_cast<size_t>(Event::output_transform)].empty())
    models_.set_output_transform(
        [this](const std::string& model, torch::Tensor output) { return transform_output(model, std::move(output)); });
  hooks_.push_back(std::move(hook));
}

// The one dispatch point: every hook call is named and timed here.
void Runner::fire(Event event, Control& control) {
  for (Hook* hook : subscribers_[static_cast<size_t>(event)]) {
    const auto start = std::chrono::steady_clock::now();
    hook->on(event, state_, control);
    hook_seconds_[hook->name()] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
}

void Runner::fit(BatchLoader& train, BatchLoader* validation) {
  loss_.prepare();
  train_loader_ = &train;
  for (auto& optimizer : optimizers_) optimizer->set_steps_per_epoch(train.batches_per_epoch());
  validation_loader_ = validation;
  train_metrics_ = std::make_unique<MetricSuite>(loss_.task(), options_.train_metrics);
  Control control;
  state_.batches_per_epoch = train.batches_per_epoch();
  state_.stopped_early = false;
  const int64_t first_epoch = resume_ ? resume_->epoch : 1;
  // A run resumed after max_steps ran out has no epoch left: its last was the one before.
  if (step_limit_reached() && (!resume_ || resume_->next_batch == 0)) state_.epochs = first_epoch - 1;
  agreed_stop_signal_ = 0;
  if (options_.data_parallel) options_.data_parallel->broadcast_models(models_);
  fitting_ = true;
  fire(Event::fit_start, control);
  for (int64_t epoch = first_epoch; epoch <= state_.epochs && !control.stop; ++epoch) {
    state_.epoch = epoch;
    train_epoch(train, control);
    if (step_limit_reached()) state_.epochs = epoch;                              // max_steps: this epoch is the last
    if (state_.batch < state_.batches_per_epoch && !step_limit_reached()) break;  // stopped mid-epoch: no epoch end
    fire(Event::epoch_end, control);
    if (control.evaluate && validation) evaluate(*validation, "validation");
    control.evaluate = false;
    epoch_finished_ = true;
    fire(Event::epoch_complete, control);
  }
  state_.stopped_early = control.stop && !(state_.epoch == state_.epochs && epoch_finished_);
  // A stop another rank was asked for is this rank's too from here on (its CLI polls).
  if (agreed_stop_signal_ != 0) request_stop(agreed_stop_signal_);
  fitting_ = false;
  if (ema_ && ema_->started()) ema_->swap();  // the averages are the trained models from here on
  fire(Event::fit_end, control);
  train_loader_ = nullptr;
  validation_loader_ = nullptr;
}

// The validation a hook asked for at batch_end (runner.validate_every_steps), in the middle
// of the epoch; training resumes in training mode at the next batch.
void Runner::validate_within_epoch(Control& control) {
  state_.evaluation_step = state_.global_step;
  evaluate(*validation_loader_, "validation");
  state_.evaluation_step = 0;
  control.evaluate = false;
  models_.train(true);
}

// Starts the epoch state_.epoch: fresh, or where a mid-epoch checkpoint left it.
void Runner::start_epoch(BatchLoader& train) {
  for (auto& optimizer : optimizers_) optimizer->start_epoch(state_.epoch - 1);
  models_.train(true);
  epoch_finished_ = false;
  train_metrics_->reset();
  objective_sums_.clear();
  state_.examples_seen = 0;
  if (!resume_) return train.start_epoch();
  const auto resume = std::move(*resume_);
  resume_.reset();
  state_.global_step = resume.global_step;
  state_.skipped_batches = resume.skipped_batches;
  train.resume_epoch(
      {resume.loader_generator, resume.loader_permutation, resume.next_batch, resume.rank.loader_augment_generator});
  if (resume.next_batch == 0) return;
  if (!resume.accumulated_gradients.empty()) restore_accumulated_gradients(resume.accumulated_gradients);
  train_metrics_->restore(resume.rank.metric_states);
  objective_sums_ = resume.rank.objective_sums;
  state_.examples_seen = resume.rank.examples_seen;
}

void Runner::train_epoch(BatchLoader& train, Control& control) {
  start_epoch(train);
  state_.batch = train.state().next_batch;
  fire(Event::epoch_start, control);
  Batch batch;
  for (; state_.batch < state_.batches_per_epoch; ++state_.batch) {
    fire(Event::batch_start, control);
    if (!train.next(batch)) throw Error("the training loader ended before its last batch");
    batch = to_device(std::move(batch));
    state_.batch_size = batch.size();
    fire(Event::batch_ready, control);
    // (Data-parallel: a rank's empty slice of a short last batch has nothing to transform.)
    if (batch.size() > 0 && !subscribers_[static_cast<size_t>(Event::batch_transform)].empty()) transform_batch(batch);
    if (batch.size() > 0)
      train_step(batch, static_cast<double>(batch.size()) / static_cast<double>(train.last_global_examples()), control);
    else
      empty_step();  // data-parallel: this rank's slice of a short last batch is empty
    state_.examples_seen += batch.size();
    ++state_.global_step;
    state_.stop_signal = options_.data_parallel ? agreed_stop_signal_ : stop_signal();
    if (step_limit_reached()) state_.batches_per_epoch = state_.batch + 1;  // hooks see the epoch end here
    fire(Event::batch_end, control);
    const bool last_batch = state_.batch + 1 == state_.batches_per_epoch;
    if (control.evaluate && validation_loader_ && !last_batch) validate_within_epoch(control);
    fire(Event::batch_complete, control);
    if (control.stop && !last_batch) return;
  }
  if (options_.data_parallel) reduce_epoch_metrics();
  state_.train_metrics = train_metrics_->compute();
  for (const auto& [name, sum] : objective_sums_)
    state_.train_metrics[name] = sum / static_cast<double>(state_.examples_seen);
}

void Runner::train_step(const Batch& batch, double share, Control& control) {
  for (auto& optimizer : optimizers_) optimizer->start_step(state_.global_step);
  if (options_.accumulate_steps > 1) return accumulation_step(batch, control);
  bool metrics_updated = false, stepped = false;
  if (options_.data_parallel) options_.data_parallel->broadcast_buffers(models_);
  for (size_t stage = 0; stage < optimizers_.size(); ++stage) {
    auto& optimizer = optimizers_[stage];
    state_.stage = optimizer->objective();
    optimizer->zero_grad();
    LossOutput out = compute_loss(batch, {optimizer->objective(), true});
    auto found = out.objectives.find(optimizer->objective());
    if (found == out.objectives.end()) throw Error("the loss returned no objective '" + optimizer->objective() + "'");
    fire(Event::after_loss, control);
    double value = 0;
    const auto verdict = backward_and_check(stage, found->first, found->second, share, value);
    if (verdict == StepVerdict::skip_batch) continue;
    if (verdict == StepVerdict::apply) {
      fire(Event::after_backward, control);
      optimizer->step();
      stepped = true;
      fire(Event::after_step, control);
    }
    state_.step_objectives[found->first] = value;
    objective_sums_[found->first] += value * static_cast<double>(batch.size());
    if (!metrics_updated && out.predictions.defined()) {
      train_metrics_->update(out.predictions, out.targets);
      train_metrics_->update_rates(out.rates);
      metrics_updated = true;
    }
  }
  if (scaler_) scaler_->update();
  if (ema_ && stepped) ema_->update();
}

// A rank with no examples in this step still takes part: zero gradients into each stage's
// all-reduce, then the same update as every other rank (hooks do not fire: no loss here).
void Runner::empty_step() {
  options_.data_parallel->broadcast_buffers(models_);
  for (size_t stage = 0; stage < optimizers_.size(); ++stage) {
    auto& optimizer = *optimizers_[stage];
    optimizer.zero_grad();
    double value = 0;
    if (backward_and_check(stage, optimizer.objective(), torch::Tensor(), 0.0, value) == StepVerdict::apply)
      optimizer.step();
    objective_sums_[optimizer.objective()] += 0.0;  // every rank reduces the same names
  }
  if (scaler_) scaler_->update();
  if (ema_) ema_->update();  // as every other rank (whose step applied: all ranks agree)
}

// The epoch's training metrics and mean objectives over every rank's examples.
void Runner::reduce_epoch_metrics() {
  auto& dp = *options_.data_parallel;
  dp.merge(*train_metrics_);
  std::map<std::string, double> sums = objective_sums_;
  sums["\x01examples"] = static_cast<double>(state_.examples_seen);
  dp.sum(sums);
  state_.examples_seen = static_cast<int64_t>(sums["\x01examples"]);
  sums.erase("\x01examples");
  objective_sums_ = sums;
}

// True if `value` is finite. Otherwise throws (on_nan: stop) or counts a skipped batch and
// returns false (on_nan: skip_batch), so the optimizer never applies a non-finite update.
bool Runner::finite_or_skip(const std::string& objective, double value) {
  if (std::isfinite(value)) return true;
  std::ostringstream where;
  where << "epoch " << state_.epoch << ", step " << state_.global_step + 1 << ": objective '" << objective << "' ";
  if (options_.on_nan == "skip_batch" && state_.skipped_batches < options_.max_skipped_batches) {
    ++state_.skipped_batches;
    std::cerr << "modlr: warning: " << where.str() << "or its gradient is not finite; batch skipped ("
              << state_.skipped_batches << " of at most " << options_.max_skipped_batches << ")\n";
    return false;
  }
  std::ostringstream message;
  message << where.str() << "or its gradient is " << value << "; stopping before the optimizer applies it";
  if (options_.on_nan == "skip_batch") message << " (" << state_.skipped_batches << " batches already skipped)";
  throw Error(message.str());
}

namespace {

// True when no element of a contiguous float32 array is Inf or NaN (exponent bits all set).
// Integer bit tests, so the loop vectorises; no allocation, no dispatch.
bool all_finite(const float* data, int64_t n) {
  uint32_t exponent_all_ones = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, data + i, sizeof bits);
    exponent_all_ones |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return exponent_all_ones == 0;
}

}  // namespace

// Float32 CPU gradients: one pass over each, no allocation. Others (CUDA, other dtypes): a
// float64 sum per parameter and one read-back (a sum is finite iff every element is).
bool Runner::gradients_finite(const Optimizer& optimizer) const {
  std::vector<torch::Tensor> sums;
  for (const auto& group : const_cast<Optimizer&>(optimizer).impl().param_groups()) {
    for (const auto& p : group.params()) {
      const auto& g = p.grad();
      if (!g.defined()) continue;
      if (g.device().is_cpu() && g.scalar_type() == torch::kFloat32 && g.is_contiguous()) {
        if (!all_finite(g.data_ptr<float>(), g.numel())) return false;
      } else {
        sums.push_back(g.sum(torch::kFloat64));
      }
    }
  }
  return sums.empty() || std::isfinite(torch::stack(sums).sum().item<double>());
}

}  // namespace modlr
