#include "modlr/model/dcgan.h"

#include "modlr/core/error.h"

namespace modlr {
namespace {

namespace nn = torch::nn;

nn::ConvTranspose2d deconv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias) {
  return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

nn::Conv2d conv4x4_stride2(int64_t in, int64_t out, bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
}

nn::LeakyReLU leaky_relu() { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)); }

// The DCGAN paper's initialisation, over the layers in order (the twin walks the same order).
void dcgan_init(const SequentialModel& model) {
  torch::NoGradGuard no_grad;
  for (const auto& layer : model.layers()) {
    auto* module = const_cast<nn::Module*>(layer.module);
    if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(module)) {
      nn::init::normal_(conv->weight, 0.0, 0.02);
    } else if (auto* deconv = dynamic_cast<nn::ConvTranspose2dImpl*>(module)) {
      nn::init::normal_(deconv->weight, 0.0, 0.02);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2dImpl*>(module)) {
      nn::init::normal_(bn->weight, 1.0, 0.02);
      nn::init::zeros_(bn->bias);
    }
  }
}

DcganOptions read_dcgan_options(const Config& c, bool generator) {
  DcganOptions o;
  if (generator) o.latent_size = c.get_count("latent_size", 100);
  o.features = c.get_count("features", 64);
  o.channels = c.get_count("channels", 1);
  o.image_size = c.get_count("image_size", 28);
  o.classes = c.get_count("classes", 0, true);
  if (o.image_size % 4 != 0) c.fail("image_size", "must be a multiple of 4 (two stride-2 stages)");
  if (!generator) {
    o.dropout = c.get<double>("dropout", 0.0);
    if (o.dropout < 0 || o.dropout >= 1) c.fail("dropout", "must be in [0, 1)");
  }
  return o;
}

}  // namespace

torch::Tensor conditional_input(const torch::Tensor& noise, const torch::Tensor& labels, int64_t classes) {
  if (noise.dim() != 2 || labels.dim() != 1 || labels.size(0) != noise.size(0) || classes <= 0)
    throw Error("conditional generator input: expected noise [N, latent] and labels [N], got " +
                c10::str(noise.sizes()) + " and " + c10::str(labels.sizes()));
  if (labels.device().is_cpu() && labels.numel() > 0 &&
      (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= classes))
    throw Error("conditional generator input: a label outside [0, " + std::to_string(classes) + ")");
  return torch::cat({noise, torch::one_hot(labels, classes).to(noise.options())}, 1);
}

DcganGenerator::DcganGenerator(const DcganOptions& o) : latent_size_(o.latent_size), classes_(o.classes) {
  const int64_t side = o.image_size / 4, f = o.features, inputs = o.latent_size + o.classes;
  add_layer("unflatten", nn::Unflatten(nn::UnflattenOptions(1, {inputs, 1, 1})));
  add_layer("deconv1", deconv(inputs, 2 * f, side, 1, 0, false));
  add_layer("bn1", nn::BatchNorm2d(2 * f));
  add_layer("relu1", nn::ReLU());
  add_layer("deconv2", deconv(2 * f, f, 4, 2, 1, false));
  add_layer("bn2", nn::BatchNorm2d(f));
  add_layer("relu2", nn::ReLU());
  add_layer("deconv3", deconv(f, o.channels, 4, 2, 1, true));
  add_layer("tanh", nn::Tanh());
  dcgan_init(*this);
}

DcganDiscriminator::DcganDiscriminator(const DcganOptions& o) {
  const int64_t side = o.image_size / 4, f = o.features;
  add_layer("conv1", conv4x4_stride2(o.channels, f, true));
  add_layer("act1", leaky_relu());
  if (o.dropout > 0) add_layer("dropout1", nn::Dropout(o.dropout));
  add_layer("conv2", conv4x4_stride2(f, 2 * f, false));
  add_layer("bn2", nn::BatchNorm2d(2 * f));
  add_layer("act2", leaky_relu());
  if (o.dropout > 0) add_layer("dropout2", nn::Dropout(o.dropout));
  add_layer("flatten", Flatten());
  add_layer("fc", nn::Linear(2 * f * side * side, 1 + o.classes));
  dcgan_init(*this);
}

MODLR_REGISTER(model_registry, "dcgan_generator", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<DcganGenerator>(read_dcgan_options(c, true));
});
MODLR_REGISTER(model_registry, "dcgan_discriminator", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<DcganDiscriminator>(read_dcgan_options(c, false));
});

}  // namespace modlr
