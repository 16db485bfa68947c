#pragma once
/// Pixel preprocessing shared by the image sources, read from the `dataset` section:
///   scale: 255.0          # pixels are divided by this (so 0..255 becomes 0..1)
///   mean: [0.2860]        # optional, one per channel, subtracted after scaling
///   std:  [0.3530]        # optional, one per channel (> 0), divided after the mean
/// A source that allows it may take `mean: auto` (std then absent or auto): both are computed
/// per channel from its training split, after scaling (fit()).
/// The operations run in exactly this order in float32, as the PyTorch twins do them.
#include <vector>

#include "modlr/core/config.h"
#include "modlr/dataset/batch.h"
#include "modlr/dataset/input_normalization.h"

namespace modlr {

struct ImagePreprocess {
  double scale = 255.0;
  std::vector<double> mean;
  std::vector<double> std;
  bool fit_statistics = false;  ///< mean: auto: fit() sets mean and std

  /// Reads scale/mean/std; `channels` is the number of channels the images have;
  /// `allow_auto`: the source calls fit() with its training split.
  static ImagePreprocess from_config(const Config& section, int64_t channels, bool allow_auto = false);
  /// mean: auto: per-channel mean and population std of `images` (uint8 [N, C, H, W]) after
  /// scaling, summed in float64 (a constant channel keeps std 1). Nothing otherwise.
  void fit(const torch::Tensor& images);
  /// images: uint8 [N, C, H, W]. Returns float32 [N, C, H, W].
  torch::Tensor apply(const torch::Tensor& images) const;
  /// The same steps described for an ONNX graph (raw input: uint8 pixels).
  InputNormalization as_normalization() const { return {"uint8", scale, mean, std}; }
};

}  // namespace modlr
