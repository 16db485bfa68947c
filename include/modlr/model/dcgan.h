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
///   With `classes` K > 0 the generator is conditioned on a class (model/conditional.h): its
///   input is [N, latent + K], noise then the one-hot class, and deconv1 takes latent + K.
/// Discriminator:
///   conv1 Conv2d(channels -> F, 4, stride 2, pad 1) act1 LeakyReLU(0.2) [dropout1]
///   conv2 Conv2d(F -> 2F, 4, stride 2, pad 1) bn2 act2 LeakyReLU(0.2) [dropout2]
///   flatten, fc Linear(2F * S * S -> 1 + K): one logit per image, [N, 1]; with `classes`
///   K > 0 (an ACGAN's, loss/gan.h) column 0 is the real/generated logit and columns 1..K
///   the auxiliary classifier's class logits, [N, 1 + K].
///
/// Convolutions followed by BatchNorm have no bias. Initialisation as in the DCGAN paper,
/// after the layers' default init: conv and transposed-conv weights ~ N(0, 0.02), BatchNorm
/// weights ~ N(1, 0.02) and biases 0, drawn from torch's global generator in layer order
/// (so the PyTorch twin draws the same numbers).
///
/// Config (model section): latent_size: 100 (generator), features: 64, channels: 1,
/// image_size: 28 (a multiple of 4), dropout: 0.0 (discriminator), classes: 0 (both; 0 =
/// unconditional).
#include "modlr/model/conditional.h"
#include "modlr/model/model.h"

namespace modlr {

struct DcganOptions {
  int64_t latent_size = 100;
  int64_t features = 64;
  int64_t channels = 1;
  int64_t image_size = 28;
  double dropout = 0.0;  ///< discriminator only
  int64_t classes = 0;   ///< > 0: conditioned on a class (generator), auxiliary head (discriminator)
};

class DcganGenerator : public SequentialModel, public ConditionalGenerator {
 public:
  explicit DcganGenerator(const DcganOptions& options);
  /// {latent_size + classes}: the generator is fed noise (and a one-hot class), not data.
  std::vector<int64_t> input_shape() const override { return {latent_size_ + classes_}; }
  /// 0 for an unconditional generator.
  int64_t classes() const override { return classes_; }

 private:
  int64_t latent_size_;
  int64_t classes_;
};

class DcganDiscriminator : public SequentialModel {
 public:
  explicit DcganDiscriminator(const DcganOptions& options);
};

}  // namespace modlr
