// DCGAN generator and discriminator: shapes, hand-counted parameters, PyTorch's state_dict
// names, the paper's initialisation, their declared inputs, and one-batch overfitting.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/model/dcgan.h"
#include "test_support.h"

using modlr::Config;
using modlr::testing::count_parameters;
using modlr::testing::model_from_yaml;

namespace {

std::vector<std::string> state_names(const modlr::Model& model) {
  std::vector<std::string> names;
  for (const auto& item : model.named_parameters()) names.push_back(item.key());
  for (const auto& item : model.named_buffers()) names.push_back(item.key());
  return names;
}

}  // namespace

// By hand (latent 100, F 64, 28x28, S = 7):
//   generator: deconv1 100*128*7*7 = 627200, bn1 2*128, deconv2 128*64*4*4 = 131072, bn2 2*64,
//              deconv3 64*1*4*4 + 1 = 1025 -> 759681
//   discriminator: conv1 1*64*16 + 64 = 1088, conv2 64*128*16 = 131072, bn2 256,
//                  fc 128*7*7 + 1 = 6273 -> 138689
TEST(Dcgan, ShapesAndParameterCounts) {
  auto generator = model_from_yaml("name: dcgan_generator");
  auto discriminator = model_from_yaml("name: dcgan_discriminator");
  const auto images = generator->forward(torch::randn({3, 100}));
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{3, 1, 28, 28}));
  EXPECT_LE(images.abs().max().item<float>(), 1.0f);  // tanh
  EXPECT_EQ(discriminator->forward(images).sizes(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(count_parameters(*generator), 759681);
  EXPECT_EQ(count_parameters(*discriminator), 138689);
  // Other sizes: 3-channel 32x32 with 8 features and a 16-d latent.
  auto rgb = model_from_yaml("name: dcgan_generator\nlatent_size: 16\nfeatures: 8\nchannels: 3\nimage_size: 32");
  EXPECT_EQ(rgb->forward(torch::randn({2, 16})).sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
  auto rgb_d = model_from_yaml("name: dcgan_discriminator\nfeatures: 8\nchannels: 3\nimage_size: 32\ndropout: 0.3");
  EXPECT_EQ(rgb_d->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 1}));
}

TEST(Dcgan, StateDictNamesMatchThePyTorchTwin) {
  EXPECT_EQ(state_names(*model_from_yaml("name: dcgan_generator")),
            (std::vector<std::string>{"deconv1.weight", "bn1.weight", "bn1.bias", "deconv2.weight", "bn2.weight",
                                      "bn2.bias", "deconv3.weight", "deconv3.bias", "bn1.running_mean",
                                      "bn1.running_var", "bn1.num_batches_tracked", "bn2.running_mean",
                                      "bn2.running_var", "bn2.num_batches_tracked"}));
  auto names = state_names(*model_from_yaml("name: dcgan_discriminator\ndropout: 0.5"));
  EXPECT_EQ(
      std::vector<std::string>(names.begin(), names.begin() + 6),
      (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "bn2.weight", "bn2.bias", "fc.weight"}));
}

TEST(Dcgan, PaperInitialisation) {
  torch::manual_seed(1);
  auto generator = std::dynamic_pointer_cast<modlr::DcganGenerator>(model_from_yaml("name: dcgan_generator"));
  const auto params = generator->named_parameters();
  EXPECT_NEAR(params["deconv1.weight"].std().item<double>(), 0.02, 0.001);
  EXPECT_NEAR(params["deconv2.weight"].mean().item<double>(), 0.0, 0.001);
  EXPECT_NEAR(params["bn1.weight"].mean().item<double>(), 1.0, 0.01);
  EXPECT_NEAR(params["bn1.weight"].std().item<double>(), 0.02, 0.006);
  EXPECT_TRUE(torch::equal(params["bn1.bias"], torch::zeros({128})));
}

TEST(Dcgan, TheGeneratorDeclaresItsNoiseInput) {
  auto generator = model_from_yaml("name: dcgan_generator\nlatent_size: 12");
  auto discriminator = model_from_yaml("name: dcgan_discriminator");
  EXPECT_EQ(generator->input_shape(), (std::vector<int64_t>{12}));
  EXPECT_TRUE(discriminator->input_shape().empty());
  const auto data = torch::ones({5, 1, 28, 28});
  EXPECT_EQ(modlr::example_input(*generator, data).sizes(), (std::vector<int64_t>{5, 12}));
  EXPECT_TRUE(modlr::example_input(*discriminator, data).is_same(data));
}

TEST(Dcgan, BadOptionsNameTheKey) {
  for (const auto& [yaml, key] : std::vector<std::pair<std::string, std::string>>{
           {"{name: dcgan_generator, image_size: 30}", "model.image_size"},
           {"{name: dcgan_generator, latent_size: 0}", "model.latent_size"},
           {"{name: dcgan_discriminator, dropout: 1.0}", "model.dropout"},
           {"{name: dcgan_discriminator, features: -2}", "model.features"}}) {
    try {
      modlr::build_model(Config::parse("model: " + yaml, "m.yaml").section("model"));
      ADD_FAILURE() << yaml;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

// The discriminator separates one batch of real images from one batch of fakes.
TEST(Dcgan, DiscriminatorOverfitsOneBatch) {
  torch::manual_seed(2);
  auto discriminator = model_from_yaml("name: dcgan_discriminator\nfeatures: 16");
  const auto real = torch::rand({16, 1, 28, 28}) * 2 - 1, fake = torch::rand({16, 1, 28, 28}) * 2 - 1;
  torch::optim::Adam adam(discriminator->parameters(), torch::optim::AdamOptions(2e-4).betas({0.5, 0.999}));
  namespace F = torch::nn::functional;
  auto loss_now = [&] {
    return F::binary_cross_entropy_with_logits(discriminator->forward(real), torch::ones({16, 1})) +
           F::binary_cross_entropy_with_logits(discriminator->forward(fake), torch::zeros({16, 1}));
  };
  const double first = loss_now().item<double>();
  for (int step = 0; step < 60; ++step) {
    adam.zero_grad();
    loss_now().backward();
    adam.step();
  }
  const double last = loss_now().item<double>();
  EXPECT_GT(first, 1.0);  // about 2 ln 2 at the start
  EXPECT_LT(last, 0.1 * first) << first << " -> " << last;
}

// The generator reproduces a fixed batch of images from fixed noise.
TEST(Dcgan, GeneratorOverfitsOneBatch) {
  torch::manual_seed(3);
  auto generator = model_from_yaml("name: dcgan_generator\nlatent_size: 16\nfeatures: 16");
  const auto z = torch::randn({8, 16});
  const auto target = (torch::rand({8, 1, 28, 28}) > 0.5).to(torch::kFloat32) * 1.6 - 0.8;
  torch::optim::Adam adam(generator->parameters(), torch::optim::AdamOptions(1e-2));
  const double first = torch::mse_loss(generator->forward(z), target).item<double>();
  for (int step = 0; step < 150; ++step) {
    adam.zero_grad();
    torch::mse_loss(generator->forward(z), target).backward();
    adam.step();
  }
  const double last = torch::mse_loss(generator->forward(z), target).item<double>();
  EXPECT_LT(last, 0.2 * first) << first << " -> " << last;
}
