// modlr as a library with components of your own: a model, a loss and a hook registered by
// name (MODLR_REGISTER), then named in a config like the built-in ones. The config is a
// string here; a file works the same way (modlr::Config::load). The models' shapes are
// checked against the data's before the data is read (runner/shape_check.h).
//   custom_model_and_loss [DATA_DIR] [EPOCHS]
// DATA_DIR holds IDX files (default /usr/share/datasets/fashion-mnist); EPOCHS default 1.
#include <iostream>
#include <string>

#include "modlr/loss/loss.h"
#include "modlr/model/model.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/shape_check.h"

namespace {

/// A two-layer perceptron on flattened images: [B, 1, 28, 28] -> [B, classes].
class TinyMlp : public modlr::Model {
 public:
  TinyMlp(int64_t inputs, int64_t hidden, int64_t classes)
      : hidden_(register_module("hidden", torch::nn::Linear(inputs, hidden))),
        out_(register_module("out", torch::nn::Linear(hidden, classes))) {}
  torch::Tensor forward(torch::Tensor x) override { return out_(torch::relu(hidden_(x.flatten(1)))); }

 private:
  torch::nn::Linear hidden_, out_;
};

/// Cross-entropy plus an L2 penalty on the logits (a second term): objectives "loss".
class PenalisedCrossEntropy : public modlr::Loss {
 public:
  explicit PenalisedCrossEntropy(double weight) : weight_(weight) {}
  std::vector<std::string> objectives() const override { return {"loss"}; }
  modlr::Task task() const override { return modlr::Task::classification; }
  modlr::LossOutput compute(modlr::ModelSet& models, const modlr::Batch& batch, const modlr::LossRequest&) override {
    const auto logits = models.forward(batch.x);
    const auto loss = torch::cross_entropy_loss(logits, batch.y) + weight_ * logits.pow(2).mean();
    return {{{"loss", loss}}, logits, batch.y};
  }

 private:
  double weight_;
};

/// Input dropout at the batch hook point: zeroes a fraction `p` of each training batch's
/// input values (a mask applied before the step; evaluation batches are left alone).
class InputDropout : public modlr::Hook {
 public:
  explicit InputDropout(double p) : p_(p) {}
  std::string name() const override { return "input_dropout"; }
  std::vector<modlr::Event> events() const override { return {modlr::Event::batch_transform}; }
  void transform_batch(modlr::Batch& batch, const modlr::RunState&) override {
    batch.x = batch.x * torch::bernoulli(torch::full_like(batch.x, 1 - p_));
  }

 private:
  double p_;
};

}  // namespace

// The factories read their own config sections (unknown keys are errors, as for built-ins).
MODLR_REGISTER(modlr::model_registry, "tiny_mlp", [](const modlr::Config& c) -> std::shared_ptr<modlr::Model> {
  return std::make_shared<TinyMlp>(c.get_count("inputs", 784), c.get_count("hidden", 64), c.get_count("classes", 10));
});
MODLR_REGISTER(modlr::loss_registry, "penalised_cross_entropy",
               [](const modlr::Config& c) -> std::unique_ptr<modlr::Loss> {
                 return std::make_unique<PenalisedCrossEntropy>(c.get_positive("weight", 0.01, /*allow_zero=*/true));
               });

// A hook's section is its entry of runner.hooks ({name: input_dropout, p: 0.1}).
MODLR_REGISTER(modlr::hook_registry, "input_dropout",
               [](const modlr::Config& c, const modlr::HookContext&) -> std::shared_ptr<modlr::Hook> {
                 const double p = c.get_positive("p", 0.1, /*allow_zero=*/true);
                 if (p >= 1) c.fail("p", "must be below 1");
                 return std::make_shared<InputDropout>(p);
               });

int main(int argc, char** argv) {
  try {
    const std::string data = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    const std::string epochs = argc > 2 ? argv[2] : "1";
    modlr::Experiment experiment(
        modlr::Config::parse("experiment: custom\nseed: 1\n"
                             "dataset: {name: idx, path: " +
                                 data +
                                 ", batch_size: 64, mean: [0.2860], std: [0.3530]}\n"
                                 "model: {name: tiny_mlp, hidden: 32}\n"
                                 "loss: {name: penalised_cross_entropy, weight: 0.001}\n"
                                 "optimizer: {name: adam, lr: 0.002}\n"
                                 "runner: {epochs: " +
                                 epochs + ", hooks: [{name: input_dropout, p: 0.05}]}\n",
                             "custom.yaml"));
    modlr::trace_shapes(experiment.models(), *experiment.dataset().example_shape(), 64);  // IDX: from the header
    experiment.dataset().load();
    modlr::Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(), experiment.runner_options());
    runner.add_hook(std::make_shared<modlr::ProgressHook>(/*terminal=*/false));
    for (const auto& hook : experiment.user_hooks()) runner.add_hook(hook);
    const auto train = experiment.dataset().loader(modlr::Split::train);
    runner.fit(*train, nullptr);
    const auto test = experiment.dataset().loader(modlr::Split::test);
    const auto result = runner.evaluate(*test, "test");
    std::cout << "example done: test accuracy " << result.metrics.at("accuracy") << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "custom_model_and_loss: error: " << e.what() << "\n";
    return 1;
  }
}
