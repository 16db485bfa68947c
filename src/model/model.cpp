#include "modlr/model/model.h"

#include "layer_shapes.h"

namespace modlr {

torch::Tensor Model::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  auto y = forward(std::move(x));
  observer(name(), name(), *this, y);
  return y;
}

torch::Tensor example_input(const Model& model, const torch::Tensor& data_batch) {
  auto shape = model.input_shape();
  if (shape.empty()) return data_batch;
  shape.insert(shape.begin(), data_batch.size(0));
  return torch::zeros(shape, data_batch.options().dtype(torch::kFloat32));
}

void SequentialModel::add_layer(const std::string& name, torch::nn::AnyModule layer) {
  register_module(name, layer.ptr());
  layers_.push_back({name, std::move(layer), torch::nn::AnyModule()});
}

std::string layer_type_name(const torch::nn::Module& layer) {
  const auto& full = layer.name();
  auto name = full.substr(full.rfind(':') == std::string::npos ? 0 : full.rfind(':') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  return name;
}

std::vector<LayerView> SequentialModel::layers() const {
  std::vector<LayerView> out;
  for (const auto& layer : layers_)
    out.push_back({layer.name, layer_type_name(*layer.module.ptr()), layer.module.ptr().get()});
  return out;
}

torch::Tensor SequentialModel::forward(torch::Tensor x) {
  for (auto& layer : layers_) x = layer.runs().forward(x);
  return x;
}

torch::Tensor SequentialModel::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  for (auto& layer : layers_) {
    x = forward_layer(layer.name, layer.module, x);
    observer(layer.name, layer_type_name(*layer.module.ptr()), *layer.module.ptr(), x);
  }
  return x;
}

int64_t SequentialModel::use_fast_kernels() {
  int64_t switched = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (i + 1 < layers_.size() && fuse(layers_[i], layers_[i + 1])) {
      switched += 2;
      ++i;
      continue;
    }
    auto& layer = layers_[i];
    const auto type = layer_type_name(*layer.module.ptr());
    if (!fast_layer_registry().contains(type)) continue;
    layer.fast = fast_layer_registry().create(type, layer.name, layer.module.ptr());
    switched += layer.fast.is_empty() ? 0 : 1;
  }
  return switched;
}

int64_t SequentialModel::replace_forwards(const std::string& type, const ForwardFactory& make) {
  int64_t replaced = 0;
  for (auto& layer : layers_) {
    if (layer_type_name(*layer.module.ptr()) != type) continue;
    if (!layer.fast.is_empty())
      throw Error("layer '" + layer.name + "' (" + type + ") already runs a fast-mode kernel");
    layer.fast = make(layer.module.ptr());
    ++replaced;
  }
  return replaced;
}

bool SequentialModel::fuse(Layer& first, Layer& second) {
  const auto pair = layer_type_name(*first.module.ptr()) + "+" + layer_type_name(*second.module.ptr());
  if (!fast_pair_registry().contains(pair)) return false;
  second.fast = fast_pair_registry().create(pair, second.name, first.module.ptr(), second.module.ptr());
  if (second.fast.is_empty()) return false;
  first.fast = torch::nn::AnyModule(torch::nn::Identity());
  return true;
}

FastLayerRegistry& fast_layer_registry() {
  static FastLayerRegistry registry("fast layer");
  return registry;
}

FastPairRegistry& fast_pair_registry() {
  static FastPairRegistry registry("fast layer pair");
  return registry;
}

torch::nn::AnyModule make_activation(const std::string& name) {
  if (name == "relu") return torch::nn::AnyModule(torch::nn::ReLU());
  if (name == "tanh") return torch::nn::AnyModule(torch::nn::Tanh());
  throw Error("unknown activation '" + name + "' (known: relu, tanh)");
}

ModelRegistry& model_registry() {
  static ModelRegistry registry("model");
  return registry;
}

std::shared_ptr<Model> build_model(const Config& section) {
  const auto name = section.get<std::string>("name");
  return model_registry().create(name, section.path("name"), section);
}

}  // namespace modlr
