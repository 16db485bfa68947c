#pragma once
/// Multi-layer perceptron: flatten, then Linear layers of the configured sizes with an
/// activation (and optional dropout) between them; the last layer has no activation.
///
/// Config (model section): name: mlp, sizes: [784, 64, 10] (input, hidden..., output; at
/// least two, all > 0), activation: relu|tanh, dropout: 0 (probability in [0, 1)).
/// Input [N, ...] with prod(...) == sizes[0]; output [N, sizes.back()].
/// Layers are named fc1, fc2, ... (state_dict: fc1.weight, fc1.bias, ...).
#include "modlr/model/model.h"

namespace modlr {

struct MlpOptions {
  std::vector<int64_t> sizes;
  std::string activation = "relu";
  double dropout = 0.0;
};

class Mlp : public SequentialModel {
 public:
  explicit Mlp(const MlpOptions& options);
  /// Both throw modlr::Error when an example does not have sizes[0] values (e.g. a CSV
  /// source whose feature count after one-hot encoding differs from the config's sizes).
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer) override;

 private:
  void check_input(const torch::Tensor& x) const;
  int64_t inputs_;
};

}  // namespace modlr
