#pragma once
/// An evaluation built from a config: the weights of a checkpoint (.pt or .safetensors)
/// in the configured models, evaluated on one split, as `modlr eval` does it; cli/eval.cpp
/// only parses arguments into an EvalRequest and prints the outcome. Like training_run.h,
/// the one place a config becomes components is the Experiment (runner/experiment.h).
#include <optional>
#include <string>
#include <vector>

#include "modlr/runner/hook.h"  // EvaluationResult

namespace modlr {

struct EvalRequest {
  std::string config;                  ///< the config file
  std::vector<std::string> overrides;  ///< "section.key=value", as `--set` gives them
  std::string checkpoint;              ///< weights: .pt (modlr's) or .safetensors
  std::string split = "test";          ///< train, validation, test or an extra test split's name
  std::string device;                  ///< runner.device for this evaluation ("" = the config's)
  /// If set: the split's inputs, outputs and targets go to this safetensors file, from one
  /// more pass in evaluation mode that times the forward passes only (one model only).
  std::string save_outputs;
};

struct EvalOutcome {
  EvaluationResult result;                ///< metrics, undefined metrics, confusion matrix, seconds
  std::vector<std::string> class_names;   ///< by class index where the data names them
  std::string device;                     ///< where it ran ("cpu", "cuda:0")
  std::optional<double> forward_seconds;  ///< with save_outputs: the timed pass's forward time
};

/// Throws modlr::Error naming the file, key or split on bad input: an unknown split, an
/// empty one, weights for another architecture, save_outputs with several models.
EvalOutcome evaluate_run(const EvalRequest& request);

}  // namespace modlr
