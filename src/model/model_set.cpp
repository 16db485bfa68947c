#include "modlr/model/model_set.h"

namespace modlr {

void ModelSet::add(const std::string& name, std::shared_ptr<Model> model) {
  if (contains(name)) throw Error("model '" + name + "' is defined twice");
  models_.emplace_back(name, std::move(model));
}

std::vector<std::string> ModelSet::names() const {
  std::vector<std::string> out;
  for (const auto& entry : models_) out.push_back(entry.first);
  return out;
}

bool ModelSet::contains(const std::string& name) const {
  for (const auto& entry : models_)
    if (entry.first == name) return true;
  return false;
}

std::shared_ptr<Model> ModelSet::shared(const std::string& name) const {
  for (const auto& entry : models_)
    if (entry.first == name) return entry.second;
  std::string known;
  for (const auto& entry : models_) known += (known.empty() ? "" : ", ") + entry.first;
  throw Error("no model named '" + name + "' (models: " + known + ")");
}

Model& ModelSet::get(const std::string& name) const { return *shared(name); }

Model& ModelSet::only() const {
  if (models_.size() != 1)
    throw Error("this loss needs exactly one model, the experiment has " + std::to_string(models_.size()));
  return *models_.front().second;
}

torch::Tensor ModelSet::forward(const std::string& name, const torch::Tensor& x) {
  auto y = timed_forward(get(name), x);
  return output_transform_ ? output_transform_(name, std::move(y)) : y;
}

torch::Tensor ModelSet::forward(const torch::Tensor& x) {
  auto y = timed_forward(only(), x);
  return output_transform_ ? output_transform_(models_.front().first, std::move(y)) : y;
}

torch::Tensor ModelSet::timed_forward(Model& model, const torch::Tensor& x) {
  const auto start = std::chrono::steady_clock::now();
  auto y = model.forward(x);
  forward_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return y;
}

void ModelSet::train(bool on) {
  for (auto& entry : models_) entry.second->train(on);
}

void ModelSet::to(const torch::Device& device) {
  for (auto& entry : models_) entry.second->to(device);
}

}  // namespace modlr
