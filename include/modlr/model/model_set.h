#pragma once
/// The models of an experiment, by name. A plain classifier has one ("model"); a GAN has
/// "generator" and "discriminator". Losses run models through forward() so the runner can
/// report forward time apart from loss time.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modlr/model/model.h"

namespace modlr {

class ModelSet {
 public:
  /// Adds `model` under `name`; names are unique.
  void add(const std::string& name, std::shared_ptr<Model> model);
  size_t size() const { return models_.size(); }
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  /// The model called `name`; throws naming the known models if there is none.
  Model& get(const std::string& name) const;
  std::shared_ptr<Model> shared(const std::string& name) const;
  /// The only model; throws if there are several.
  Model& only() const;

  /// Runs model `name` (or the only model) on x, adding the elapsed time to the clock.
  torch::Tensor forward(const std::string& name, const torch::Tensor& x);
  torch::Tensor forward(const torch::Tensor& x);
  /// Applied to every output forward() returns, after the clock stops (the runner installs
  /// its hooks' transform_output here); empty, the default: outputs are the models' own.
  using OutputTransform = std::function<torch::Tensor(const std::string& model, torch::Tensor output)>;
  void set_output_transform(OutputTransform transform) { output_transform_ = std::move(transform); }
  /// Seconds spent in forward() since the last reset_clock().
  double forward_seconds() const { return forward_seconds_; }
  void reset_clock() { forward_seconds_ = 0; }

  /// Switches every model to training (dropout on) or evaluation mode.
  void train(bool on);
  /// Moves every model to `device`.
  void to(const torch::Device& device);

 private:
  torch::Tensor timed_forward(Model& model, const torch::Tensor& x);
  std::vector<std::pair<std::string, std::shared_ptr<Model>>> models_;
  double forward_seconds_ = 0;
  OutputTransform output_transform_;
};

}  // namespace modlr
