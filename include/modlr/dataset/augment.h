#pragma once
/// Training-time image augmentation, applied by the training BatchLoader to each batch as it
/// hands it out; validation, test and extra test loaders never augment.
///
/// Config (`dataset.augment`, optional; absent means no augmentation):
///   crop_padding: 0   # random crop: pad each image with P zeros on every side (zeros of the
///                     # preprocessed input, i.e. the per-channel mean after normalisation),
///                     # then cut the original H x W window at a random offset in [0, 2P]
///   hflip: false      # mirror each image left-right with probability 1/2 (after the crop)
///
/// Reproducibility: the draws come from the augmenter's own generator, seeded with
/// augment_seed(run seed), and per batch of B images are exactly, in this order,
///   offsets = torch::randint(0, 2P + 1, {2, B})   if P > 0 (row 0 vertical, row 1 horizontal)
///   flips   = torch::randint(0, 2, {B})           if hflip (1 = mirror)
/// which the PyTorch twin repeats with torch.randint(..., generator=g). The generator's state
/// is part of BatchLoader::State, so a resumed run draws what the original would have.
/// The crop and flip themselves are one gather over the padded batch (no per-image loop).
#include <torch/torch.h>

#include "modlr/core/config.h"

namespace modlr {

struct AugmentOptions {
  int64_t crop_padding = 0;  ///< >= 0 pixels
  bool hflip = false;
  bool enabled() const { return crop_padding > 0 || hflip; }
  /// Reads crop_padding and hflip (in that order) from the `augment` section.
  static AugmentOptions from_config(const Config& section);
};

/// The augmentation generator's seed: run_seed + 0x9E3779B97F4A7C15 (mod 2^64), so its
/// stream is not the shuffle generator's (seeded with run_seed itself).
uint64_t augment_seed(uint64_t run_seed);

/// The deterministic half: images float [B, C, H, W]; offsets int64 [2, B] with values in
/// [0, 2 * padding] (undefined when padding is 0); flips int64 [B] of 0/1 (undefined: none).
/// Returns a new tensor [B, C, H, W]: out[b, c, h, w] = padded[b, c, dy + h, dx + w'] with
/// w' = flips[b] ? W - 1 - w : w, where padded has `padding` zeros on every side.
torch::Tensor crop_and_flip(const torch::Tensor& images, int64_t padding, const torch::Tensor& offsets,
                            const torch::Tensor& flips);

class BatchAugmenter {
 public:
  BatchAugmenter(AugmentOptions options, uint64_t seed);
  /// Draws this batch's offsets/flips (see above) and returns the augmented copy of
  /// `images` (float [B, C, H, W]; throws modlr::Error for other shapes).
  torch::Tensor apply(const torch::Tensor& images);
  torch::Tensor generator_state() const { return generator_.get_state(); }
  void set_generator_state(const torch::Tensor& state) { generator_.set_state(state); }
  const AugmentOptions& options() const { return options_; }

 private:
  AugmentOptions options_;
  torch::Generator generator_;
};

}  // namespace modlr
