// cnn_cifar and vgg16: shapes, parameter counts worked by hand, PyTorch state_dict names,
// options, and a one-batch overfit each (the loss must fall a lot).
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/model/model.h"
#include "test_support.h"

using modlr::testing::count_parameters;
using modlr::testing::model_from_yaml;

namespace {

std::vector<std::string> dict_names(const torch::OrderedDict<std::string, torch::Tensor>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.key());
  return out;
}

// Trains `model` on one fixed batch and returns {first loss, last loss}.
std::pair<double, double> overfit(modlr::Model& model, int64_t batch, int steps, double lr) {
  torch::manual_seed(3);
  const auto x = torch::randn({batch, 3, 32, 32});
  const auto y = torch::randint(0, 10, {batch}, torch::kInt64);
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(lr));
  model.train(true);
  double first = 0, last = 0;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    const auto loss = torch::nn::functional::cross_entropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  return {first, last};
}

}  // namespace

// By hand: cnn_cifar conv1 32*(3*9)+32 = 896, conv2 64*(32*9)+64 = 18496,
// conv3 128*(64*9)+128 = 73856, fc1 (128*4*4)*256+256 = 524544, fc2 256*10+10 = 2570
// -> 620362. vgg16: the 13 convolutions 14714688 (as torchvision's vgg16 features), their
// batch norms 2*(2*64 + 2*128 + 3*256 + 6*512) = 8448, fc 512*10+10 = 5130 -> 14728266.
TEST(CifarNets, ShapesAndParameterCounts) {
  const auto x = torch::zeros({2, 3, 32, 32});
  for (const auto& [yaml, params] :
       std::vector<std::pair<std::string, int64_t>>{{"name: cnn_cifar", 620362}, {"name: vgg16", 14728266}}) {
    auto model = model_from_yaml(yaml);
    model->eval();
    EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{2, 10})) << yaml;
    EXPECT_EQ(count_parameters(*model), params) << yaml;
  }
  auto wide = model_from_yaml("name: cnn_cifar\ninput_size: 48\nclasses: 4\nin_channels: 1");
  EXPECT_EQ(wide->forward(torch::zeros({2, 1, 48, 48})).sizes(), (std::vector<int64_t>{2, 4}));
}

TEST(CifarNets, StateDictNamesMatchTheTwinsSequential) {
  auto cnn = model_from_yaml("name: cnn_cifar");
  EXPECT_EQ(dict_names(cnn->named_parameters()),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight",
                                      "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  auto vgg = model_from_yaml("name: vgg16");
  const auto parameters = dict_names(vgg->named_parameters());
  ASSERT_EQ(parameters.size(), 13u * 4 + 2);
  EXPECT_EQ(std::vector<std::string>(parameters.begin(), parameters.begin() + 4),
            (std::vector<std::string>{"conv1_1.weight", "conv1_1.bias", "bn1_1.weight", "bn1_1.bias"}));
  EXPECT_EQ(parameters[13 * 4 - 4], "conv5_3.weight");
  EXPECT_EQ(parameters.back(), "fc.bias");
  const auto buffers = dict_names(vgg->named_buffers());
  ASSERT_EQ(buffers.size(), 13u * 3);
  EXPECT_EQ(std::vector<std::string>(buffers.begin(), buffers.begin() + 3),
            (std::vector<std::string>{"bn1_1.running_mean", "bn1_1.running_var", "bn1_1.num_batches_tracked"}));
}

TEST(CifarNets, LayersInOrderAndDropoutOnlyWhenAsked) {
  auto layer_names = [](const std::string& yaml) {
    std::vector<std::string> out;
    auto model = model_from_yaml(yaml);
    model->eval();
    model->forward_observed(torch::zeros({1, 3, 32, 32}),
                            [&](const std::string& name, const std::string&, const torch::nn::Module&,
                                const torch::Tensor&) { out.push_back(name); });
    return out;
  };
  EXPECT_EQ(layer_names("name: cnn_cifar"),
            (std::vector<std::string>{"conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3", "pool3",
                                      "flatten", "fc1", "relu4", "dropout", "fc2"}));
  const auto no_dropout = layer_names("name: cnn_cifar\ndropout: 0");
  EXPECT_EQ(std::count(no_dropout.begin(), no_dropout.end(), "dropout"), 0);
  const auto vgg = layer_names("name: vgg16");
  ASSERT_EQ(vgg.size(), 13u * 3 + 5 + 3);
  EXPECT_EQ(std::vector<std::string>(vgg.begin(), vgg.begin() + 7),
            (std::vector<std::string>{"conv1_1", "bn1_1", "relu1_1", "conv1_2", "bn1_2", "relu1_2", "pool1"}));
  EXPECT_EQ(std::vector<std::string>(vgg.end() - 4, vgg.end()),
            (std::vector<std::string>{"pool5", "flatten", "dropout", "fc"}));
}

TEST(CifarNets, BadOptionsNameTheKey) {
  auto expect_error = [](const std::string& yaml, const std::string& needle) {
    try {
      model_from_yaml(yaml);
      FAIL() << yaml;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("name: cnn_cifar\ndropout: 1.0", "'dropout': must be in [0, 1)");
  expect_error("name: vgg16\ninput_size: 16", "'input_size': too small for 5 2x2 pools (needs >= 32)");
  expect_error("name: cnn_cifar\ninput_size: 4", "too small for 3 2x2 pools");
  expect_error("name: vgg16\nclasses: 0", "classes");
}

TEST(CifarNets, CnnOverfitsOneBatch) {
  torch::manual_seed(1);
  auto model = model_from_yaml("name: cnn_cifar\ndropout: 0");
  const auto [first, last] = overfit(*model, 32, 60, 2e-3);
  EXPECT_GT(first, 2.0);  // about ln 10 at the start
  EXPECT_LT(last, 0.05 * first) << first << " -> " << last;
}

TEST(CifarNets, Vgg16OverfitsATinyBatch) {
  torch::manual_seed(1);
  auto model = model_from_yaml("name: vgg16\ndropout: 0");
  const auto [first, last] = overfit(*model, 8, 25, 1e-3);
  EXPECT_GT(first, 1.5);
  EXPECT_LT(last, 0.05 * first) << first << " -> " << last;
}
