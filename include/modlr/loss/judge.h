#pragma once
/// A judge: a classifier trained by modlr (e.g. configs/lenet5-fashion-mnist.yaml), frozen,
/// that says which class generated images show. The `acgan` loss (loss/gan.h) reports how
/// often the judge names the class the generator was asked for (judge_accuracy).
///
/// Generated images are pixels in [-1, 1] (a generator's tanh). The judge sees them as the
/// 8-bit images the sample grid writes, round((x + 1) * 127.5), then through the image
/// preprocessing of its own config (dataset.scale, mean, std): as it saw its training data.
///
/// Config (the acgan loss's section): judge: {config: FILE (the judge's training config:
/// its `model` and `dataset` sections are read), checkpoint: FILE (its weights, .pt or
/// .safetensors, e.g. a run's model.safetensors)}.
#include <string>

#include "modlr/dataset/image_preprocess.h"
#include "modlr/model/model_set.h"

namespace modlr {

class Judge {
 public:
  /// Builds the model of the config's `model` section, leaving torch's global generator as
  /// it was (a run with a judge draws the same numbers as one without), and loads the
  /// checkpoint into it. Throws modlr::Error naming the file or the key.
  Judge(const std::string& config_path, const std::string& checkpoint);
  /// The class the judge gives each image: int64 [N] for images float [N, C, H, W] in
  /// [-1, 1], C as many channels as the judge's dataset.mean lists (1 without). Evaluation
  /// mode, no gradients; the judge moves to the images' device on first use. Throws
  /// modlr::Error on images of another channel count. Not thread-safe.
  torch::Tensor classify(const torch::Tensor& images);

 private:
  std::string config_path_;
  ModelSet model_;
  ImagePreprocess preprocess_;
  int64_t channels_ = 1;
};

}  // namespace modlr
