// The judge of generated images; contract in include/modlr/loss/judge.h.
#include "modlr/loss/judge.h"

#include <ATen/CPUGeneratorImpl.h>

#include "modlr/core/error.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {

Judge::Judge(const std::string& config_path, const std::string& checkpoint) : config_path_(config_path) {
  const auto config = Config::load(config_path);
  const auto data = config.section("dataset");
  if (data.has("mean") && data.is_list("mean"))
    channels_ = static_cast<int64_t>(data.get<std::vector<double>>("mean").size());
  preprocess_ = ImagePreprocess::from_config(data, channels_);
  // Building a model draws its initial weights from torch's global generator; the judge's
  // are overwritten by the checkpoint, so the draws are taken back.
  auto global = at::detail::getDefaultCPUGenerator();
  const auto rng_state = global.get_state();
  model_.add("model", build_model(config.section("model")));
  global.set_state(rng_state);
  load_weights(model_, checkpoint);
  model_.train(false);
}

torch::Tensor Judge::classify(const torch::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != channels_)
    throw Error("judge " + config_path_ + ": expected generated images [N, " + std::to_string(channels_) +
                ", H, W], got " + c10::str(images.sizes()));
  torch::NoGradGuard no_grad;
  auto& model = model_.only();
  const auto parameters = model.parameters();
  if (!parameters.empty() && parameters.front().device() != images.device()) model_.to(images.device());
  // As the sample grid writes them (runner/sample_grid_hook.h), then as the judge's data.
  const auto pixels = images.detach().to(torch::kFloat32).add(1.0).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
  return model.forward(preprocess_.apply(pixels.cpu()).to(images.device())).argmax(1);
}

}  // namespace modlr
