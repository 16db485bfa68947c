#include <gtest/gtest.h>

#include <cmath>

#include "modlr/loss/loss.h"
#include "modlr/model/model.h"

using modlr::Config;

namespace {

// A model whose output is its input: the loss sees exactly the logits we choose.
class Identity : public modlr::Model {
 public:
  torch::Tensor forward(torch::Tensor x) override { return x; }
};

modlr::LossOutput compute(const std::string& yaml, torch::Tensor x, torch::Tensor y) {
  modlr::ModelSet models;
  models.add("model", std::make_shared<Identity>());
  auto loss = modlr::build_loss(Config::parse(yaml, "loss.yaml"));
  return loss->compute(models, {x, y}, {"loss", true});
}

}  // namespace

TEST(CrossEntropy, HandComputedValues) {
  // Two equal logits: -log(1/2) = ln 2. Logits (ln 3, 0) with target 0: -log(3/4).
  auto out = compute("name: cross_entropy", torch::tensor({{0.0f, 0.0f}, {std::log(3.0f), 0.0f}}),
                     torch::tensor({1, 0}, torch::kInt64));
  const double expected = (std::log(2.0) - std::log(0.75)) / 2;
  EXPECT_NEAR(out.objectives.at("loss").item<double>(), expected, 1e-6);
  EXPECT_EQ(out.predictions.sizes(), (std::vector<int64_t>{2, 2}));
}

TEST(CrossEntropy, LabelSmoothing) {
  // K=2, eps=0.2, equal logits: every log-prob is ln(1/2), so the loss stays ln 2.
  auto out =
      compute("name: cross_entropy\nlabel_smoothing: 0.2", torch::zeros({1, 2}), torch::tensor({0}, torch::kInt64));
  EXPECT_NEAR(out.objectives.at("loss").item<double>(), std::log(2.0), 1e-6);
}

TEST(Mse, HandComputedValueAndTargetReshape) {
  // Outputs [N, 1] against targets [N]: ((1-0)^2 + (3-1)^2) / 2 = 2.5.
  auto out = compute("name: mse", torch::tensor({{1.0f}, {3.0f}}), torch::tensor({0.0f, 1.0f}));
  EXPECT_DOUBLE_EQ(out.objectives.at("loss").item<double>(), 2.5);
  EXPECT_EQ(out.targets.sizes(), out.predictions.sizes());
}

TEST(Losses, DeclareObjectivesAndTask) {
  auto ce = modlr::build_loss(Config::parse("name: cross_entropy", "l"));
  EXPECT_EQ(ce->objectives(), (std::vector<std::string>{"loss"}));
  EXPECT_EQ(ce->task(), modlr::Task::classification);
  EXPECT_EQ(modlr::build_loss(Config::parse("name: mse", "l"))->task(), modlr::Task::regression);
  EXPECT_THROW(modlr::build_loss(Config::parse("name: cross_entropy\nlabel_smoothing: 1.5", "l")), modlr::Error);
}
