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

void WeightAverage::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive ema;
  ema.write("updates", torch::tensor(updates_));
  for (size_t i = 0; i < floating_averages_.size(); ++i) ema.write("f" + std::to_string(i), floating_averages_[i]);
  for (size_t i = 0; i < integer_copies_.size(); ++i) ema.write("i" + std::to_string(i), integer_copies_[i]);
  archive.write("ema", ema);
}

void WeightAverage::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive ema;
  if (!archive.try_read("ema", ema)) throw Error("checkpoint lacks the weight averages (runner.ema_decay was off when it was written)");
  torch::Tensor updates;
  ema.read("updates", updates);
  torch::NoGradGuard no_grad;
  auto restore = [&ema](const std::string& prefix, std::vector<torch::Tensor>& copies) {
    for (size_t i = 0; i < copies.size(); ++i) {
      torch::Tensor saved;
      if (!ema.try_read(prefix + std::to_string(i), saved) || saved.sizes() != copies[i].sizes())
        throw Error("checkpoint's weight averages do not fit this experiment's models");
      copies[i].copy_(saved);
    }
  };
  restore("f", floating_averages_);
  restore("i", integer_copies_);
  updates_ = updates.item<int64_t>();
}

}  // namespace modlr
