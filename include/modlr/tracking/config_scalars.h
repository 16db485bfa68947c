#pragma once
/// A run's parameters as trackers show them (TensorBoard's hparams, MLflow's params): the
/// scalars of its resolved config by dotted key. No torch here.
#include <string>
#include <vector>

namespace modlr {

struct ConfigScalar {
  std::string key;      ///< "optimizer.lr"
  std::string text;     ///< the YAML scalar as written ("0.05", "lenet5", "true")
  bool quoted = false;  ///< written in quotes: a string even when it reads as a number
};

/// The scalars of `yaml_text` (a resolved config) in document order; lists, and the
/// `tracking` section (where records go, not what the run is), left out.
std::vector<ConfigScalar> config_scalars(const std::string& yaml_text);

}  // namespace modlr
