#include "modlr/model/cifar_nets.h"

#include "modlr/model/max_pool_2x2.h"

namespace modlr {
namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

// Side length after `pools` 2x2 pools (3x3 convolutions with padding 1 keep the side).
int64_t pooled_side(int64_t side, int pools) {
  for (int i = 0; i < pools; ++i) side /= 2;
  return side;
}

}  // namespace

CnnCifar::CnnCifar(const CifarNetOptions& o) {
  const int64_t widths[] = {32, 64, 128};
  int64_t in = o.in_channels;
  for (int block = 1; block <= 3; ++block) {
    const auto index = std::to_string(block);
    add_layer("conv" + index, conv3x3(in, widths[block - 1]));
    add_layer("relu" + index, torch::nn::ReLU());
    add_layer("pool" + index, MaxPool2x2());
    in = widths[block - 1];
  }
  const int64_t side = pooled_side(o.input_size, 3);
  add_layer("flatten", Flatten());
  add_layer("fc1", torch::nn::Linear(128 * side * side, 256));
  add_layer("relu4", torch::nn::ReLU());
  if (o.dropout > 0) add_layer("dropout", torch::nn::Dropout(o.dropout));
  add_layer("fc2", torch::nn::Linear(256, o.classes));
}

Vgg16::Vgg16(const CifarNetOptions& o) {
  const std::vector<std::vector<int64_t>> stages = {
      {64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
  int64_t in = o.in_channels;
  for (size_t stage = 0; stage < stages.size(); ++stage) {
    for (size_t layer = 0; layer < stages[stage].size(); ++layer) {
      const auto index = std::to_string(stage + 1) + "_" + std::to_string(layer + 1);
      const int64_t out = stages[stage][layer];
      add_layer("conv" + index, conv3x3(in, out));
      add_layer("bn" + index, torch::nn::BatchNorm2d(out));
      add_layer("relu" + index, torch::nn::ReLU());
      in = out;
    }
    add_layer("pool" + std::to_string(stage + 1), MaxPool2x2());
  }
  const int64_t side = pooled_side(o.input_size, 5);
  add_layer("flatten", Flatten());
  if (o.dropout > 0) add_layer("dropout", torch::nn::Dropout(o.dropout));
  add_layer("fc", torch::nn::Linear(512 * side * side, o.classes));
}

namespace {

CifarNetOptions read_cifar_net_options(const Config& config, int pools) {
  CifarNetOptions o;
  o.in_channels = config.get_count("in_channels", 3);
  o.input_size = config.get_count("input_size", 32);
  o.classes = config.get_count("classes", 10);
  o.dropout = config.get<double>("dropout", 0.5);
  if (o.dropout < 0 || o.dropout >= 1) config.fail("dropout", "must be in [0, 1)");
  if (pooled_side(o.input_size, pools) <= 0)
    config.fail("input_size",
                "too small for " + std::to_string(pools) + " 2x2 pools (needs >= " + std::to_string(1 << pools) + ")");
  return o;
}

}  // namespace

MODLR_REGISTER(model_registry, "cnn_cifar", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<CnnCifar>(read_cifar_net_options(c, 3));
});
MODLR_REGISTER(model_registry, "vgg16", [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<Vgg16>(read_cifar_net_options(c, 5));
});

}  // namespace modlr
