#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/model/model.h"
#include "test_support.h"

using modlr::testing::count_parameters;
using modlr::testing::model_from_yaml;

namespace {

std::vector<std::string> parameter_names(const modlr::Model& model) {
  std::vector<std::string> names;
  for (const auto& item : model.named_parameters()) names.push_back(item.key());
  return names;
}

}  // namespace

// Classic parameter counts, worked by hand:
//   LeNet-5: conv1 6*(25+1)=156, conv2 16*(6*25+1)=2416, fc1 400*120+120=48120,
//            fc2 120*84+84=10164, fc3 84*10+10=850 -> 61706.
//   LeNet-1: conv1 4*(25+1)=104, conv2 12*(4*25+1)=1212, fc1 192*10+10=1930 -> 3246.
//   MLP 784-64-10: 784*64+64 + 64*10+10 = 50890.
TEST(Models, ShapesAndParameterCounts) {
  const auto x = torch::zeros({3, 1, 28, 28});
  struct Case {
    const char* yaml;
    int64_t params;
  };
  for (const Case& c :
       {Case{"name: lenet5", 61706}, Case{"name: lenet1", 3246}, Case{"name: mlp\nsizes: [784, 64, 10]", 50890}}) {
    auto model = model_from_yaml(c.yaml);
    EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{3, 10})) << c.yaml;
    EXPECT_EQ(count_parameters(*model), c.params) << c.yaml;
  }
}

TEST(Models, StateDictNamesMatchPyTorch) {
  EXPECT_EQ(parameter_names(*model_from_yaml("name: lenet5")),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                      "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"}));
  EXPECT_EQ(parameter_names(*model_from_yaml("name: mlp\nsizes: [4, 3, 2]")),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
}

TEST(Models, ActivationAndPoolingVariants) {
  auto tanh_avg = model_from_yaml("name: lenet5\nactivation: tanh\npool: avg");
  std::vector<std::string> types;
  tanh_avg->forward_observed(torch::zeros({1, 1, 28, 28}),
                             [&](const std::string&, const std::string& type, const torch::nn::Module&,
                                 const torch::Tensor&) { types.push_back(type); });
  EXPECT_EQ(types[1], "Tanh");
  EXPECT_EQ(types[2], "AvgPool2d");
  auto classes = model_from_yaml("name: lenet1\nclasses: 3\ninput_size: 32\nin_channels: 3");
  EXPECT_EQ(classes->forward(torch::zeros({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 3}));
}

TEST(Models, ObservedForwardReportsEveryLayer) {
  auto model = model_from_yaml("name: mlp\nsizes: [784, 64, 10]");
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  const auto y = model->forward_observed(
      torch::zeros({5, 1, 28, 28}),
      [&](const std::string& name, const std::string&, const torch::nn::Module&, const torch::Tensor& out) {
        names.push_back(name);
        shapes.push_back(out.sizes().vec());
      });
  EXPECT_EQ(names, (std::vector<std::string>{"flatten", "fc1", "relu1", "fc2"}));
  EXPECT_EQ(shapes[0], (std::vector<int64_t>{5, 784}));
  EXPECT_EQ(shapes[3], (std::vector<int64_t>{5, 10}));
  EXPECT_TRUE(torch::equal(y, model->forward(torch::zeros({5, 1, 28, 28}))));
}

TEST(Models, BadConfigsNameTheKey) {
  auto expect_error = [](const std::string& yaml, const std::string& needle) {
    try {
      model_from_yaml(yaml);
      FAIL() << yaml;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("name: mlp\nsizes: [784, 0, 10]", "sizes must be > 0");
  expect_error("name: mlp\nsizes: [784]", "at least an input and an output");
  expect_error("name: mlp\nsizes: 784", "expected a list of integers");
  expect_error("name: lenet5\nactivation: gelu", "activation");
  expect_error("name: lenet5\nclasses: 0", "classes");
  expect_error("name: lenet5\ninput_size: 8", "too small");
  expect_error("name: lenet7", "unknown model 'lenet7'");
}

TEST(Models, SameSeedSameInitialWeights) {
  torch::manual_seed(11);
  auto a = model_from_yaml("name: lenet5");
  torch::manual_seed(11);
  auto b = model_from_yaml("name: lenet5");
  for (size_t i = 0; i < a->parameters().size(); ++i) EXPECT_TRUE(torch::equal(a->parameters()[i], b->parameters()[i]));
}
