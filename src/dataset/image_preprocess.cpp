#include "modlr/dataset/image_preprocess.h"

namespace modlr {

ImagePreprocess ImagePreprocess::from_config(const Config& section, int64_t channels, bool allow_auto) {
  ImagePreprocess p;
  p.scale = section.get_positive("scale", 255.0);
  if (allow_auto && section.has("mean") && !section.is_list("mean")) {
    section.get_choice("mean", "auto", {"auto"});
    if (section.has("std") && section.is_list("std")) section.fail("std", "must be auto (or absent) with mean: auto");
    section.get_choice("std", "auto", {"auto"});
    p.fit_statistics = true;
    return p;
  }
  p.mean = section.get<std::vector<double>>("mean", {});
  p.std = section.get<std::vector<double>>("std", {});
  if (p.mean.size() != p.std.size()) section.fail("std", "mean and std must have the same length");
  if (!p.mean.empty() && static_cast<int64_t>(p.mean.size()) != channels)
    section.fail("mean", "needs one value per channel (" + std::to_string(channels) + ")");
  for (double s : p.std)
    if (!(s > 0)) section.fail("std", "every value must be > 0");
  return p;
}

void ImagePreprocess::fit(const torch::Tensor& images) {
  if (!fit_statistics) return;
  const auto channels = images.size(1);
  const auto x = images.to(torch::kFloat64).div_(scale).transpose(0, 1).reshape({channels, -1});
  const auto means = x.mean(1), deviations = x.sub(means.unsqueeze(1)).pow_(2).mean(1).sqrt_();
  mean.assign(static_cast<size_t>(channels), 0.0);
  std.assign(static_cast<size_t>(channels), 1.0);
  for (int64_t c = 0; c < channels; ++c) {
    mean[static_cast<size_t>(c)] = means[c].item<double>();
    const double d = deviations[c].item<double>();
    std[static_cast<size_t>(c)] = d > 0 ? d : 1.0;
  }
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
