#include "modlr/dataset/augment.h"

#include <ATen/CPUGeneratorImpl.h>

#include "modlr/core/error.h"

namespace modlr {

AugmentOptions AugmentOptions::from_config(const Config& section) {
  AugmentOptions o;
  o.crop_padding = section.get_count("crop_padding", 0, /*allow_zero=*/true, 1024);
  o.hflip = section.get<bool>("hflip", false);
  return o;
}

uint64_t augment_seed(uint64_t run_seed) { return run_seed + 0x9E3779B97F4A7C15ULL; }

torch::Tensor crop_and_flip(const torch::Tensor& images, int64_t padding, const torch::Tensor& offsets,
                            const torch::Tensor& flips) {
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const auto padded =
      padding > 0 ? torch::constant_pad_nd(images, {padding, padding, padding, padding}, 0) : images.contiguous();
  const int64_t padded_w = w + 2 * padding;
  const auto long_options = torch::TensorOptions().dtype(torch::kInt64).device(images.device());
  auto rows = torch::arange(h, long_options).view({1, h}).expand({b, h});
  auto cols = torch::arange(w, long_options).view({1, w}).expand({b, w});
  if (flips.defined()) cols = torch::where(flips.view({b, 1}).to(torch::kBool), (w - 1) - cols, cols);
  if (offsets.defined()) {
    rows = rows + offsets[0].view({b, 1});
    cols = cols + offsets[1].view({b, 1});
  }
  // Flat position of every output pixel in its padded plane, shared by the channels.
  const auto index = (rows.view({b, h, 1}) * padded_w + cols.view({b, 1, w})).view({b, 1, h * w});
  return padded.reshape({b, c, -1}).gather(2, index.expand({b, c, h * w})).view({b, c, h, w});
}

BatchAugmenter::BatchAugmenter(AugmentOptions options, uint64_t seed)
    : options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

torch::Tensor BatchAugmenter::apply(const torch::Tensor& images) {
  if (images.dim() != 4)
    throw Error("dataset.augment: needs image batches [B, C, H, W], got " + std::to_string(images.dim()) +
                "-dimensional inputs");
  const int64_t b = images.size(0);
  torch::Tensor offsets, flips;
  if (options_.crop_padding > 0)
    offsets = torch::randint(0, 2 * options_.crop_padding + 1, {2, b}, generator_, torch::kInt64);
  if (options_.hflip) flips = torch::randint(0, 2, {b}, generator_, torch::kInt64);
  // Drawn on the CPU (the same stream for CPU and GPU runs, and the twin); only these B
  // numbers travel to a GPU, the images never leave it.
  if (!images.device().is_cpu()) {
    if (offsets.defined()) offsets = offsets.to(images.device(), /*non_blocking=*/true);
    if (flips.defined()) flips = flips.to(images.device(), /*non_blocking=*/true);
  }
  return crop_and_flip(images, options_.crop_padding, offsets, flips);
}

}  // namespace modlr
