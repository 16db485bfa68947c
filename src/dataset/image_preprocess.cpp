#include "modlr/dataset/image_preprocess.h"

namespace modlr {

ImagePreprocess ImagePreprocess::from_config(const Config& section, int64_t channels) {
  ImagePreprocess p;
  p.scale = section.get_positive("scale", 255.0);
  p.mean = section.get<std::vector<double>>("mean", {});
  p.std = section.get<std::vector<double>>("std", {});
  if (p.mean.size() != p.std.size())
    section.fail("std", "mean and std must have the same length");
  if (!p.mean.empty() && static_cast<int64_t>(p.mean.size()) != channels)
    section.fail("mean", "needs one value per channel (" + std::to_string(channels) + ")");
  for (double s : p.std)
    if (!(s > 0)) section.fail("std", "every value must be > 0");
  return p;
}

torch::Tensor ImagePreprocess::apply(const torch::Tensor& images) const {
  auto x = images.to(torch::kFloat32).div_(scale);
  if (mean.empty()) return x;
  const auto channels = static_cast<int64_t>(mean.size());
  auto as_tensor = [&](const std::vector<double>& values) {
    return torch::tensor(values, torch::kFloat64).to(torch::kFloat32).view({1, channels, 1, 1});
  };
  return x.sub_(as_tensor(mean)).div_(as_tensor(std));
}

}  // namespace modlr
