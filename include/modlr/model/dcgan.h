#pragma once
/// DCGAN (Radford et al. 2016) generator and discriminator for small square images
/// (Fashion-MNIST: 1x28x28), registered as `dcgan_generator` and `dcgan_discriminator`.
///
/// Generator (F = features, S = image_size / 4):
///   unflatten [N, latent] -> [N, latent, 1, 1]
///   deconv1 ConvTranspose2d(latent -> 2F, kernel S)        -> [N, 2F, S, S]   bn1 relu1
///   deconv2 ConvTranspose2d(2F -> F, 4, stride 2, pad 1)   -> [N, F, 2S, 2S]  bn2 relu2
///   deconv3 ConvTranspose2d(F -> channels, 4, stride 2, pad 1) -> [N, channels, 4S, 4S]
///   tanh: pixels in [-1, 1] (configure the data with mean 0.5, std 0.5 to match).
/// Discriminator:
///   conv1 Conv2d(channels -> F, 4, stride 2, pad 1) act1 LeakyReLU(0.2) [dropout1]
///   conv2 Conv2d(F -> 2F, 4, stride 2, pad 1) bn2 act2 LeakyReLU(0.2) [dropout2]
///   flatten, fc Linear(2F * S * S -> 1): one logit per image, [N, 1].
///
/// Convolutions followed by BatchNorm have no bias. Initialisation as in the DCGAN paper,
/// after the layers' default init: conv and transposed-conv weights ~ N(0, 0.02), BatchNorm
/// weights ~ N(1, 0.02) and biases 0, drawn from torch's global generator in layer order
/// (so the PyTorch twin draws the same numbers).
///
/// Config (model section): latent_size: 100 (generator), features: 64, channels: 1,
/// image_size: 28 (a multiple of 4), dropout: 0.0 (discriminator).
#include "modlr/model/model.h"

namespace modlr {

struct DcganOptions {
  int64_t latent_size = 100;
  int64_t features = 64;
  int64_t channels = 1;
  int64_t image_size = 28;
  double dropout = 0.0;  ///< discriminator only
};

class DcganGenerator : public SequentialModel {
 public:
  explicit DcganGenerator(const DcganOptions& options);
  /// {latent_size}: the generator is fed noise, not data.
  std::vector<int64_t> input_shape() const override { return {latent_size_}; }

 private:
  int64_t latent_size_;
};

class DcganDiscriminator : public SequentialModel {
 public:
  explicit DcganDiscriminator(const DcganOptions& options);
};

}  // namespace modlr
