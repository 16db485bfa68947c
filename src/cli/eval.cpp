#include <chrono>
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr::cli {
namespace {

// Rows: target class, columns: predicted; headed by the class names where the data has them
// (image folders), else by the class indices.
void print_confusion_matrix(const std::vector<std::vector<int64_t>>& matrix, const std::vector<std::string>& names) {
  const auto label = [&](size_t k) { return k < names.size() ? names[k] : std::to_string(k); };
  size_t width = 6, first = 0;
  for (size_t k = 0; k < matrix.size(); ++k) {
    width = std::max(width, label(k).size() + 1);
    first = std::max(first, label(k).size());
  }
  std::cout << "confusion matrix (rows: target, columns: predicted)\n" << std::string(first, ' ');
  for (size_t k = 0; k < matrix.size(); ++k) std::cout << std::right << std::setw(static_cast<int>(width)) << label(k);
  std::cout << "\n";
  for (size_t r = 0; r < matrix.size(); ++r) {
    std::cout << std::left << std::setw(static_cast<int>(first)) << label(r);
    for (auto count : matrix[r]) std::cout << std::right << std::setw(static_cast<int>(width)) << count;
    std::cout << "\n";
  }
}

// Runs the model over `split` once more, timing the forward passes only, and writes the
// inputs, outputs and targets as safetensors.
void save_outputs(Experiment& experiment, const std::unique_ptr<BatchLoader>& loader, const std::string& path) {
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
  save_tensors({{"input", torch::cat(inputs)}, {"output", torch::cat(outputs)}, {"target", torch::cat(targets)}},
               path);
  std::cout << std::left << std::setw(18) << "inference_seconds" << std::setprecision(6) << seconds << "\n"
            << "outputs saved to " << path << "\n";
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

int eval(const EvalArgs& args) {
  return guarded([&] {
    auto overrides = args.overrides;
    if (!args.device.empty()) overrides.push_back("runner.device=" + args.device);
    Experiment experiment(Config::load(args.config, overrides));
    if (!args.save_outputs.empty() && experiment.models().size() != 1)
      throw Error("--save-outputs needs an experiment with one model; this one has " +
                  std::to_string(experiment.models().size()) + " (export one with `modlr export --model`)");
    auto& dataset = experiment.dataset();
    dataset.load();
    auto loader = split_loader(dataset, args.split);
    load_weights(experiment.models(), args.checkpoint);
    Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(),
                  experiment.runner_options());
    const auto result = runner.evaluate(*loader, args.split);
    std::cout << "split " << args.split << " (" << result.examples << " examples) on "
              << experiment.runner_options().device.str() << ": batch loading " << std::setprecision(4)
              << result.load_seconds << " s, computing " << result.compute_seconds << " s\n";
    for (const auto& [name, value] : result.metrics) {
      std::cout << std::left << std::setw(18) << name;
      const auto undefined = result.undefined.find(name);
      if (undefined == result.undefined.end()) std::cout << std::setprecision(6) << value << "\n";
      else std::cout << "undefined: " << undefined->second << "\n";
    }
    if (!result.confusion_matrix.empty()) print_confusion_matrix(result.confusion_matrix, dataset.class_names());
    if (!args.save_outputs.empty()) save_outputs(experiment, loader, args.save_outputs);
    return 0;
  });
}

}  // namespace modlr::cli
