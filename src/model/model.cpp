#include "modlr/model/model.h"

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
  layers_.push_back({name, std::move(layer)});
}

std::string layer_type_name(const torch::nn::Module& layer) {
  const auto& full = layer.name();
  auto name = full.substr(full.rfind(':') == std::string::npos ? 0 : full.rfind(':') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name.resize(name.size() - 4);
  return name;
}

std::vector<LayerView> SequentialModel::layers() const {
  std::vector<LayerView> out;
  for (const auto& layer : layers_)
    out.push_back({layer.name, layer_type_name(*layer.module.ptr()), layer.module.ptr().get()});
  return out;
}

torch::Tensor SequentialModel::forward(torch::Tensor x) {
  for (auto& layer : layers_) x = layer.module.forward(x);
  return x;
}

torch::Tensor SequentialModel::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  for (auto& layer : layers_) {
    x = layer.module.forward(x);
    observer(layer.name, layer_type_name(*layer.module.ptr()), *layer.module.ptr(), x);
  }
  return x;
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
