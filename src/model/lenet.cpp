#include "modlr/model/lenet.h"

#include "modlr/model/max_pool_2x2.h"

namespace modlr {

namespace {

torch::nn::AnyModule make_pool(const std::string& kind) {
  if (kind == "avg") return torch::nn::AnyModule(torch::nn::AvgPool2d(2));
  return torch::nn::AnyModule(MaxPool2x2());  // exactly nn.MaxPool2d(2), faster
}

// Side length after a 5x5 valid convolution with `padding` then a 2x2 pool.
int64_t conv_pool_side(int64_t side, int64_t padding) { return (side + 2 * padding - 4) / 2; }

torch::nn::Conv2d conv5x5(int64_t in, int64_t out, int64_t padding) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 5).padding(padding));
}

}  // namespace

LeNet1::LeNet1(const LeNetOptions& o) {
  const int64_t side = conv_pool_side(conv_pool_side(o.input_size, o.padding), 0);
  add_layer("conv1", conv5x5(o.in_channels, 4, o.padding));
  add_layer("act1", make_activation(o.activation));
  add_layer("pool1", make_pool(o.pool));
  add_layer("conv2", conv5x5(4, 12, 0));
  add_layer("act2", make_activation(o.activation));
  add_layer("pool2", make_pool(o.pool));
  add_layer("flatten", Flatten());
  add_layer("fc1", torch::nn::Linear(12 * side * side, o.classes));
}

LeNet5::LeNet5(const LeNetOptions& o) {
  const int64_t side = conv_pool_side(conv_pool_side(o.input_size, o.padding), 0);
  add_layer("conv1", conv5x5(o.in_channels, 6, o.padding));
  add_layer("act1", make_activation(o.activation));
  add_layer("pool1", make_pool(o.pool));
  add_layer("conv2", conv5x5(6, 16, 0));
  add_layer("act2", make_activation(o.activation));
  add_layer("pool2", make_pool(o.pool));
  add_layer("flatten", Flatten());
  add_layer("fc1", torch::nn::Linear(16 * side * side, 120));
  add_layer("act3", make_activation(o.activation));
  add_layer("fc2", torch::nn::Linear(120, 84));
  add_layer("act4", make_activation(o.activation));
  add_layer("fc3", torch::nn::Linear(84, o.classes));
}

namespace {

LeNetOptions read_lenet_options(const Config& config, int64_t default_padding) {
  LeNetOptions o;
  o.activation = config.get_choice("activation", "relu", {"relu", "tanh"});
  o.pool = config.get_choice("pool", "max", {"max", "avg"});
  o.in_channels = config.get_count("in_channels", 1);
  o.input_size = config.get_count("input_size", 28);
  o.padding = config.get_count("padding", default_padding, /*allow_zero=*/true);
  o.classes = config.get_count("classes", 10);
  if (conv_pool_side(conv_pool_side(o.input_size, o.padding), 0) <= 0)
    config.fail("input_size", "too small for two 5x5 convolutions and 2x2 pools");
  return o;
}

}  // namespace

MODLR_REGISTER(model_registry, "lenet1", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<LeNet1>(read_lenet_options(c, 0));
});
MODLR_REGISTER(model_registry, "lenet5", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<LeNet5>(read_lenet_options(c, 2));
});

}  // namespace modlr
