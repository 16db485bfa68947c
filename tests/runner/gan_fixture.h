#pragma once
// A tiny DCGAN experiment over the synthetic IDX data set, and a helper that trains it
// in-process with the unchanged Runner (plus the hooks a test adds).
#include <string>

#include "modlr/runner/experiment.h"
#include "modlr/runner/runner.h"

namespace modlr::testing {

/// 96 training images in batches of 16 (6 steps per epoch), 8-d noise, 4 features, one
/// thread, `epochs` epochs; `runner_extra` is appended to the runner section ("  key: value\n").
inline std::string gan_config(const std::string& data_dir, const std::string& runner_extra = "",
                              const std::string& runs_dir = "runs", int epochs = 2) {
  return "experiment: tiny-gan\n"
         "seed: 7\n"
         "dataset: {name: idx, path: " +
         data_dir +
         ", limit: 96, mean: [0.5], std: [0.5], batch_size: 16,"
         " eval_batch_size: 64, drop_last: true}\n"
         "model:\n"
         "  generator: {name: dcgan_generator, latent_size: 8, features: 4}\n"
         "  discriminator: {name: dcgan_discriminator, features: 4}\n"
         "loss: {name: gan}\n"
         "optimizer:\n"
         "  - {name: adam, lr: 0.0002, betas: [0.5, 0.999], model: discriminator, objective: discriminator}\n"
         "  - {name: adam, lr: 0.0002, betas: [0.5, 0.999], model: generator, objective: generator}\n"
         "runner:\n"
         "  epochs: " +
         std::to_string(epochs) +
         "\n"
         "  threads: 1\n" +
         runner_extra + "tracking: {dir: " + runs_dir + "}\n";
}

/// An experiment ready to fit: data loaded, runner built with `run_dir`, user hooks added.
struct GanRun {
  GanRun(const std::string& yaml, const std::string& run_dir) : experiment(Config::parse(yaml, "tiny-gan.yaml")) {
    experiment.dataset().load();
    auto options = experiment.runner_options();
    options.run_dir = run_dir;
    runner = std::make_unique<Runner>(experiment.models(), experiment.loss(), experiment.optimizers(), options);
    train = experiment.dataset().loader(Split::train);
  }
  void add_user_hooks() {
    for (const auto& hook : experiment.user_hooks()) runner->add_hook(hook);
  }
  void fit() { runner->fit(*train, nullptr); }
  /// Every parameter and buffer of both models, in order.
  std::vector<torch::Tensor> weights() {
    std::vector<torch::Tensor> out;
    for (const auto& name : experiment.models().names()) {
      for (const auto& p : experiment.models().get(name).parameters()) out.push_back(p.detach().clone());
      for (const auto& b : experiment.models().get(name).buffers()) out.push_back(b.detach().clone());
    }
    return out;
  }

  Experiment experiment;
  std::unique_ptr<Runner> runner;
  std::unique_ptr<BatchLoader> train;
};

inline bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

}  // namespace modlr::testing
