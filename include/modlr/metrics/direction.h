#pragma once
/// Which way a metric improves, for what picks or stops on a metric without being told
/// (early stopping's `mode: auto`, `modlr tune --direction auto`). No torch here.
#include <string>

namespace modlr {

/// True for the losses and error metrics (loss, mse, rmse, mae, and loss terms "loss/..."),
/// false for scores (accuracy, f1_macro, auc_roc, r2, ...).
inline bool lower_is_better(const std::string& metric) {
  return metric == "loss" || metric.rfind("loss/", 0) == 0 || metric == "mse" || metric == "rmse" || metric == "mae";
}

}  // namespace modlr
