// Gradient accumulation (runner.accumulate_steps): the batches of a group each add their
// objective / group size to the gradients; the group's last batch checks them and steps.
// The same arithmetic as the twin's (reference/modlr_twin/runner.py), bit for bit.
#include <algorithm>
#include <limits>

#include "modlr/runner/runner.h"

namespace modlr {

namespace {

std::vector<torch::Tensor> parameters_of(Optimizer& optimizer) {
  std::vector<torch::Tensor> params;
  for (const auto& group : optimizer.impl().param_groups())
    params.insert(params.end(), group.params().begin(), group.params().end());
  return params;
}

}  // namespace

bool Runner::inside_accumulation_group() const {
  if (options_.accumulate_steps <= 1 || epoch_finished_) return false;
  const int64_t next = state_.batch + 1;  // at batch_end: the batch about to come
  return next % options_.accumulate_steps != 0 && next < state_.batches_per_epoch;
}

void Runner::accumulation_step(const Batch& batch, Control& control) {
  Optimizer& optimizer = *optimizers_.front();
  const int64_t k = options_.accumulate_steps;
  // The epoch's batches, as far as this run goes (max_steps may end it early).
  int64_t epoch_batches = state_.batches_per_epoch;
  if (options_.max_steps > 0)
    epoch_batches = std::min(epoch_batches, state_.batch + options_.max_steps - state_.global_step);
  const int64_t group_start = state_.batch / k * k;
  const int64_t group_size = std::min(k, epoch_batches - group_start);
  state_.stage = optimizer.objective();
  if (state_.batch == group_start) optimizer.zero_grad();
  LossOutput out = compute_loss(batch, {optimizer.objective(), true});
  const auto found = out.objectives.find(optimizer.objective());
  if (found == out.objectives.end()) throw Error("the loss returned no objective '" + optimizer.objective() + "'");
  fire(Event::after_loss, control);
  const double value = found->second.item<double>();
  if (finite_or_skip(found->first, value)) {  // a non-finite batch adds nothing to the group
    const auto share = found->second / static_cast<double>(group_size);
    (scaler_ ? scaler_->scale(share) : share).backward();
    state_.step_objectives[found->first] = value;
    objective_sums_[found->first] += value * static_cast<double>(batch.size());
    if (out.predictions.defined()) {
      train_metrics_->update(out.predictions, out.targets);
      train_metrics_->update_rates(out.rates);
    }
  }
  if (state_.batch + 1 != group_start + group_size) return;
  bool apply = true;
  if (scaler_) {
    apply = scaler_->unscale(parameters_of(optimizer));  // false: the scale overflowed, no update
  } else if (options_.check_gradients && !gradients_finite(optimizer)) {
    apply = finite_or_skip(found->first, std::numeric_limits<double>::quiet_NaN());
  }
  if (apply) {
    fire(Event::after_backward, control);
    optimizer.step();
    fire(Event::after_step, control);
  }
  if (scaler_) scaler_->update();
  if (ema_ && apply) ema_->update();
}

std::vector<torch::Tensor> Runner::accumulated_gradients() const {
  if (!inside_accumulation_group()) return {};
  std::vector<torch::Tensor> out;
  for (const auto& param : parameters_of(*optimizers_.front()))
    out.push_back(param.grad().defined() ? param.grad().detach().clone() : torch::Tensor());
  return out;
}

void Runner::restore_accumulated_gradients(const std::vector<torch::Tensor>& gradients) {
  auto& optimizer = *optimizers_.front();
  optimizer.zero_grad();
  auto params = parameters_of(optimizer);
  for (size_t i = 0; i < params.size() && i < gradients.size(); ++i)
    if (gradients[i].defined()) params[i].mutable_grad() = gradients[i].to(params[i].device()).clone();
}

}  // namespace modlr
