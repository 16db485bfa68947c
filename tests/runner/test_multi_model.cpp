// Proves the MODLR contract for multi-model losses: a two-model, two-objective GAN-style
// loss written entirely outside modlr's core (registered here, in the test) trains with the
// unchanged Runner, each objective stepping only its own model's optimizer, in the order
// the config declares.
#include <gtest/gtest.h>

#include "modlr/runner/experiment.h"
#include "modlr/runner/runner.h"

namespace {

class ToyLinear : public modlr::SequentialModel {
 public:
  ToyLinear() { add_layer("fc1", torch::nn::Linear(1, 1)); }
};

std::vector<std::string>& requested_objectives() {
  static std::vector<std::string> log;
  return log;
}

// Generator maps noise to samples; discriminator tells real (the batch) from generated.
class ToyGanLoss : public modlr::Loss {
 public:
  std::vector<std::string> objectives() const override { return {"discriminator", "generator"}; }
  modlr::Task task() const override { return modlr::Task::generative; }
  modlr::LossOutput compute(modlr::ModelSet& models, const modlr::Batch& batch,
                            const modlr::LossRequest& request) override {
    requested_objectives().push_back(request.objective);
    auto noise = torch::randn({batch.size(), 1});
    auto fake = models.forward("generator", noise);
    const auto ones = torch::ones({batch.size(), 1}), zeros = torch::zeros({batch.size(), 1});
    namespace F = torch::nn::functional;
    if (request.objective == "discriminator") {
      auto real_loss = F::binary_cross_entropy_with_logits(models.forward("discriminator", batch.x), ones);
      auto fake_loss = F::binary_cross_entropy_with_logits(models.forward("discriminator", fake.detach()), zeros);
      return {{{"discriminator", real_loss + fake_loss}}, {}, {}};
    }
    return {{{"generator", F::binary_cross_entropy_with_logits(models.forward("discriminator", fake), ones)}}, {}, {}};
  }
};

MODLR_REGISTER(modlr::model_registry, "toy_linear",
               [](const modlr::Config&) -> std::shared_ptr<modlr::Model> { return std::make_shared<ToyLinear>(); });
MODLR_REGISTER(modlr::loss_registry, "toy_gan",
               [](const modlr::Config&) -> std::unique_ptr<modlr::Loss> { return std::make_unique<ToyGanLoss>(); });

const char* kConfig =
    "seed: 1\n"
    "dataset: {name: idx, path: unused}\n"
    "model:\n  generator: {name: toy_linear}\n  discriminator: {name: toy_linear}\n"
    "loss: {name: toy_gan}\n"
    "optimizer:\n"
    "  - {name: sgd, lr: 0.1, model: discriminator, objective: discriminator}\n"
    "  - {name: sgd, lr: 0.1, model: generator, objective: generator}\n"
    "metrics: {train: [], eval: []}\n";

std::vector<torch::Tensor> parameter_snapshot(const modlr::Model& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
  return out;
}

bool changed(const std::vector<torch::Tensor>& before, const modlr::Model& model) {
  for (size_t i = 0; i < before.size(); ++i)
    if (!torch::equal(before[i], model.parameters()[i])) return true;
  return false;
}

}  // namespace

TEST(MultiModelLoss, TwoObjectivesTwoOptimizersUnchangedRunner) {
  modlr::Experiment experiment(modlr::Config::parse(kConfig, "gan.yaml"));
  auto& models = experiment.models();
  ASSERT_EQ(models.names(), (std::vector<std::string>{"generator", "discriminator"}));
  auto x = torch::randn({8, 1}) * 0.5 + 3.0;  // "real" data around 3
  modlr::LoaderOptions options;
  options.batch_size = 4;
  modlr::BatchLoader loader({x, torch::zeros({8})}, options);

  modlr::Runner runner(models, experiment.loss(), experiment.optimizers(), experiment.runner_options());
  const auto generator_before = parameter_snapshot(models.get("generator"));
  const auto discriminator_before = parameter_snapshot(models.get("discriminator"));
  requested_objectives().clear();
  runner.fit(loader, nullptr);

  // Configured order, once per batch: discriminator stage, then generator stage.
  EXPECT_EQ(requested_objectives(),
            (std::vector<std::string>{"discriminator", "generator", "discriminator", "generator"}));
  EXPECT_TRUE(changed(generator_before, models.get("generator")));
  EXPECT_TRUE(changed(discriminator_before, models.get("discriminator")));
  EXPECT_TRUE(runner.state().train_metrics.count("generator"));
  EXPECT_TRUE(runner.state().train_metrics.count("discriminator"));
}

TEST(MultiModelLoss, EachOptimizerOwnsOnlyItsModelsParameters) {
  modlr::Experiment experiment(modlr::Config::parse(kConfig, "gan.yaml"));
  auto& optimizers = experiment.optimizers();
  ASSERT_EQ(optimizers.size(), 2u);
  auto owns = [](modlr::Optimizer& optimizer, const modlr::Model& model) {
    const auto& params = optimizer.impl().param_groups().front().params();
    for (const auto& p : model.parameters())
      if (std::none_of(params.begin(), params.end(), [&](const torch::Tensor& q) { return q.is_same(p); }))
        return false;
    return params.size() == model.parameters().size();
  };
  EXPECT_TRUE(owns(*optimizers[0], experiment.models().get("discriminator")));
  EXPECT_TRUE(owns(*optimizers[1], experiment.models().get("generator")));
}

TEST(MultiModelLoss, BindingErrorsNameTheKey) {
  std::string bad = kConfig;
  bad.replace(bad.find("objective: generator"), 20, "objective: critic");
  try {
    modlr::Experiment experiment(modlr::Config::parse(bad, "gan.yaml"));
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("optimizer[1].objective"), std::string::npos) << e.what();
  }
}
