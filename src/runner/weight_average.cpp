#include "modlr/runner/weight_average.h"

#include "modlr/core/error.h"

namespace modlr {

WeightAverage::WeightAverage(const ModelSet& models, double decay) : decay_(decay) {
  if (!(decay > 0 && decay < 1)) throw Error("'runner.ema_decay': must be in (0, 1), got " + std::to_string(decay));
  for (const auto& name : models.names()) {
    auto& model = models.get(name);
    std::vector<torch::Tensor> tensors = model.parameters();
    for (const auto& b : model.buffers()) tensors.push_back(b);
    for (const auto& t : tensors) {
      auto& list = t.is_floating_point() ? floating_ : integers_;
      auto& copies = t.is_floating_point() ? floating_averages_ : integer_copies_;
      list.push_back(t);
      copies.push_back(t.detach().clone());
    }
  }
}

void WeightAverage::update() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> current;
  current.reserve(floating_.size());
  for (const auto& t : floating_) current.push_back(t.detach());
  if (updates_ == 0) {
    for (size_t i = 0; i < current.size(); ++i) floating_averages_[i].copy_(current[i]);
  } else if (!current.empty()) {
    at::_foreach_lerp_(floating_averages_, current, 1.0 - decay_);
  }
  for (size_t i = 0; i < integers_.size(); ++i) integer_copies_[i].copy_(integers_[i]);
  ++updates_;
}

void WeightAverage::swap() {
  torch::NoGradGuard no_grad;
  auto exchange = [](const std::vector<torch::Tensor>& live, std::vector<torch::Tensor>& kept) {
    for (size_t i = 0; i < live.size(); ++i) {
      const auto previous = live[i].detach().clone();
      live[i].detach().copy_(kept[i]);
      kept[i].copy_(previous);
    }
  };
  exchange(floating_, floating_averages_);
  exchange(integers_, integer_copies_);
}

TrainingState::WeightAverages WeightAverage::state() const {
  TrainingState::WeightAverages out;
  out.updates = updates_;
  for (const auto& average : floating_averages_) out.floating.push_back(average.detach().clone());
  for (const auto& copy : integer_copies_) out.integers.push_back(copy.detach().clone());
  return out;
}

void WeightAverage::restore(const TrainingState::WeightAverages& state) {
  const auto fits = [](const std::vector<torch::Tensor>& saved, const std::vector<torch::Tensor>& copies) {
    if (saved.size() != copies.size()) return false;
    for (size_t i = 0; i < saved.size(); ++i)
      if (!saved[i].defined() || saved[i].sizes() != copies[i].sizes()) return false;
    return true;
  };
  if (!fits(state.floating, floating_averages_) || !fits(state.integers, integer_copies_))
    throw Error("the training state's weight averages do not fit this experiment's models");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < floating_averages_.size(); ++i) floating_averages_[i].copy_(state.floating[i]);
  for (size_t i = 0; i < integer_copies_.size(); ++i) integer_copies_[i].copy_(state.integers[i]);
  updates_ = state.updates;
}

}  // namespace modlr
