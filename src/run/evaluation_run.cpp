// An evaluation built from a config (run/evaluation_run.h): the Experiment, the weights,
// one split, and optionally its outputs saved.
#include "modlr/run/evaluation_run.h"

#include <chrono>

#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {
namespace {

// The batches' rows, each batch right-padded with 0 to the widest in every dimension after
// the first: a translator's outputs are as long as each batch's longest translation.
torch::Tensor cat_padded(const std::vector<torch::Tensor>& batches) {
  auto widest = batches.front().sizes().vec();
  for (const auto& b : batches)
    for (int64_t d = 1; d < b.dim(); ++d)
      widest[static_cast<size_t>(d)] = std::max(widest[static_cast<size_t>(d)], b.size(d));
  std::vector<torch::Tensor> padded;
  for (const auto& b : batches) {
    if (b.dim() < 2 || b.sizes().slice(1) == c10::IntArrayRef(widest).slice(1)) {
      padded.push_back(b);
      continue;
    }
    std::vector<int64_t> pad;  // torch::constant_pad_nd: (before, after) from the last dimension
    for (int64_t d = b.dim() - 1; d >= 1; --d) pad.insert(pad.end(), {0, widest[static_cast<size_t>(d)] - b.size(d)});
    padded.push_back(torch::constant_pad_nd(b, pad, 0));
  }
  return torch::cat(padded);
}

// Runs the model over `split` once more, timing the forward passes only, and writes the
// inputs, outputs and targets as safetensors.
double save_outputs(Experiment& experiment, const std::unique_ptr<BatchLoader>& loader, const std::string& path) {
  auto& model = experiment.models().only();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto device = experiment.runner_options().device;
  std::vector<torch::Tensor> inputs, outputs, targets;
  double seconds = 0;
  loader->start_epoch();
  for (Batch batch; loader->next(batch);) {
    const auto x = batch.x.to(device);
    const auto start = std::chrono::steady_clock::now();
    auto y = model.forward(x);
    if (device.is_cuda()) torch::cuda::synchronize();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    inputs.push_back(batch.x.cpu());
    outputs.push_back(y.cpu());
    targets.push_back(batch.y.cpu());
  }
  save_tensors({{"input", torch::cat(inputs)}, {"output", cat_padded(outputs)}, {"target", torch::cat(targets)}}, path);
  return seconds;
}

// train, validation, test, or one of the data set's extra test splits.
std::unique_ptr<BatchLoader> split_loader(const Dataset& dataset, const std::string& name) {
  std::string known = "train, validation, test";
  for (const auto& extra : dataset.extra_tests()) {
    if (extra.name == name) return dataset.extra_test_loader(name);
    known += ", " + extra.name;
  }
  if (name != "train" && name != "validation" && name != "test")
    throw Error("--split '" + name + "': not a split of this data set (" + known + ")");
  const Split split = name == "train" ? Split::train : name == "validation" ? Split::validation : Split::test;
  if (dataset.data(split).size() == 0)
    throw Error("split '" + name + "' is empty (set dataset.validation for a validation split)");
  return dataset.loader(split);
}

}  // namespace

EvalOutcome evaluate_run(const EvalRequest& request) {
  auto overrides = request.overrides;
  if (!request.device.empty()) overrides.push_back("runner.device=" + request.device);
  Experiment experiment(Config::load(request.config, overrides));
  if (!request.save_outputs.empty() && experiment.models().size() != 1)
    throw Error("--save-outputs needs an experiment with one model; this one has " +
                std::to_string(experiment.models().size()) + " (export one with `modlr export --model`)");
  auto& dataset = experiment.dataset();
  dataset.load();
  auto loader = split_loader(dataset, request.split);
  load_weights(experiment.models(), request.checkpoint);
  Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(), experiment.runner_options());
  EvalOutcome outcome;
  outcome.result = runner.evaluate(*loader, request.split);
  outcome.class_names = dataset.class_names();
  outcome.device = experiment.runner_options().device.str();
  if (!request.save_outputs.empty()) outcome.forward_seconds = save_outputs(experiment, loader, request.save_outputs);
  return outcome;
}

}  // namespace modlr
