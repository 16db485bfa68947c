#include "modlr/model/mlp.h"

namespace modlr {

Mlp::Mlp(const MlpOptions& options) : inputs_(options.sizes.empty() ? 0 : options.sizes.front()) {
  const auto& sizes = options.sizes;
  add_layer("flatten", Flatten());
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    const auto index = std::to_string(i + 1);
    add_layer("fc" + index, torch::nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 == sizes.size()) break;  // no activation after the output layer
    add_layer(options.activation + index, make_activation(options.activation));
    if (options.dropout > 0) add_layer("dropout" + index, torch::nn::Dropout(options.dropout));
  }
}

void Mlp::check_input(const torch::Tensor& x) const {
  if (x.dim() < 2) return;  // flatten(1) reports a 0-d/1-d input itself
  int64_t values = 1;       // per example; an empty batch (a shape pass) has them too
  for (int64_t d = 1; d < x.dim(); ++d) values *= x.size(d);
  if (values != inputs_)
    throw Error("mlp: each example has " + std::to_string(values) + " input values, but model.sizes[0] is " +
                std::to_string(inputs_));
}

torch::Tensor Mlp::forward(torch::Tensor x) {
  check_input(x);
  return SequentialModel::forward(std::move(x));
}

torch::Tensor Mlp::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  check_input(x);
  return SequentialModel::forward_observed(std::move(x), observer);
}

namespace {

std::shared_ptr<Model> make_mlp(const Config& config) {
  MlpOptions options;
  options.sizes = config.get<std::vector<int64_t>>("sizes");
  if (options.sizes.size() < 2) config.fail("sizes", "needs at least an input and an output size");
  for (auto size : options.sizes)
    if (size <= 0) config.fail("sizes", "sizes must be > 0, got " + std::to_string(size));
  options.activation = config.get_choice("activation", "relu", {"relu", "tanh"});
  options.dropout = config.get<double>("dropout", 0.0);
  if (options.dropout < 0 || options.dropout >= 1) config.fail("dropout", "must be in [0, 1)");
  return std::make_shared<Mlp>(options);
}

}  // namespace

MODLR_REGISTER(model_registry, "mlp", make_mlp);

}  // namespace modlr
