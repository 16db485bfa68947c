// The `gan` loss on inputs whose values follow by hand: a discriminator that returns a
// constant logit c gives BCE(c, t) = softplus(c) - c t for every example, so with
// c = ln 3 (D = 3/4): discriminator = (ln 4 - t ln 3) + ln 4, generator = ln 4 - ln 3.
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/loss/gan.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/dcgan.h"

using modlr::Config;

namespace {

// One learnable logit for every image, whatever the image.
class ConstantLogit : public modlr::Model {
 public:
  explicit ConstantLogit(double logit) { bias_ = register_parameter("bias", torch::full({1}, logit)); }
  torch::Tensor forward(torch::Tensor x) override { return bias_.expand({x.size(0), 1}); }

 private:
  torch::Tensor bias_;
};

struct Gan {
  explicit Gan(double logit = std::log(3.0), double smoothing = 0.0) : loss(smoothing) {
    torch::manual_seed(0);
    modlr::DcganOptions o;
    o.latent_size = 6;
    o.features = 4;
    generator = std::make_shared<modlr::DcganGenerator>(o);
    models.add("generator", generator);
    models.add("discriminator", std::make_shared<ConstantLogit>(logit));
  }
  modlr::LossOutput compute(const std::string& objective, bool training = true) {
    return loss.compute(models, {torch::zeros({5, 1, 28, 28}), torch::zeros({5})}, {objective, training});
  }
  std::shared_ptr<modlr::DcganGenerator> generator;
  modlr::ModelSet models;
  modlr::GanLoss loss;
};

const double kLn3 = std::log(3.0), kLn4 = std::log(4.0);

}  // namespace

TEST(GanLoss, ConstantDiscriminatorGivesHandComputedObjectives) {
  Gan gan;
  auto d = gan.compute("discriminator");
  ASSERT_EQ(d.objectives.size(), 1u);
  EXPECT_NEAR(d.objectives.at("discriminator").item<double>(), 2 * kLn4 - kLn3, 1e-6);
  auto g = gan.compute("generator");
  ASSERT_EQ(g.objectives.size(), 1u);
  EXPECT_NEAR(g.objectives.at("generator").item<double>(), kLn4 - kLn3, 1e-6);
  // Logit 0 (D = 1/2): the textbook 2 ln 2 and ln 2.
  Gan even(0.0);
  EXPECT_NEAR(even.compute("discriminator").objectives.at("discriminator").item<double>(), 2 * std::log(2.0), 1e-6);
  EXPECT_NEAR(even.compute("generator").objectives.at("generator").item<double>(), std::log(2.0), 1e-6);
}

TEST(GanLoss, OneSidedLabelSmoothingChangesOnlyTheRealTarget) {
  Gan gan(std::log(3.0), 0.1);  // real target 0.9
  EXPECT_NEAR(gan.compute("discriminator").objectives.at("discriminator").item<double>(), (kLn4 - 0.9 * kLn3) + kLn4,
              1e-6);
  EXPECT_NEAR(gan.compute("generator").objectives.at("generator").item<double>(), kLn4 - kLn3, 1e-6);
  EXPECT_THROW(modlr::build_loss(Config::parse("name: gan\nlabel_smoothing: 1.0", "l")), modlr::Error);
  EXPECT_THROW(modlr::build_loss(Config::parse("name: gan\nlabel_smoothing: -0.1", "l")), modlr::Error);
}

TEST(GanLoss, EvaluationReturnsBothObjectivesAndDiscriminatorPredictions) {
  Gan gan;
  torch::NoGradGuard no_grad;
  auto out = gan.compute("", false);
  EXPECT_NEAR(out.objectives.at("discriminator").item<double>(), 2 * kLn4 - kLn3, 1e-6);
  EXPECT_NEAR(out.objectives.at("generator").item<double>(), kLn4 - kLn3, 1e-6);
  ASSERT_EQ(out.predictions.sizes(), (std::vector<int64_t>{10}));
  EXPECT_TRUE(torch::equal(out.targets, torch::cat({torch::ones({5}), torch::zeros({5})})));
  // The metrics read them as mean D(x) and mean D(G(z)): both 3/4 here.
  modlr::MetricSuite metrics(modlr::Task::generative, {"d_real", "d_fake"});
  metrics.update(out.predictions, out.targets);
  EXPECT_NEAR(metrics.compute().at("d_real"), 0.75, 1e-7);
  EXPECT_NEAR(metrics.compute().at("d_fake"), 0.75, 1e-7);
}

TEST(GanLoss, EachStageTrainsOnlyItsOwnModel) {
  Gan gan;
  gan.models = modlr::ModelSet();  // a discriminator that looks at its input
  modlr::DcganOptions o;
  o.features = 4;
  auto discriminator = std::make_shared<modlr::DcganDiscriminator>(o);
  gan.models.add("generator", gan.generator);
  gan.models.add("discriminator", discriminator);
  auto d = gan.compute("discriminator");
  EXPECT_TRUE(d.objectives.at("discriminator").requires_grad());
  EXPECT_TRUE(d.predictions.defined());
  d.objectives.at("discriminator").backward();
  for (const auto& p : gan.generator->parameters()) EXPECT_FALSE(p.grad().defined());  // no_grad generator
  for (const auto& p : discriminator->parameters()) EXPECT_TRUE(p.grad().defined());

  auto g = gan.compute("generator");
  EXPECT_FALSE(g.predictions.defined());  // the metrics come from the discriminator stage
  g.objectives.at("generator").backward();
  for (const auto& p : gan.generator->parameters()) EXPECT_TRUE(p.grad().defined());
}

TEST(GanLoss, NoiseComesFromTorchsGlobalGenerator) {
  // A real discriminator so the objective depends on the noise.
  torch::manual_seed(3);
  modlr::DcganOptions o;
  o.latent_size = 6;
  o.features = 4;
  modlr::ModelSet models;
  models.add("generator", std::make_shared<modlr::DcganGenerator>(o));
  models.add("discriminator", std::make_shared<modlr::DcganDiscriminator>(o));
  modlr::GanLoss loss;
  const modlr::Batch batch{torch::zeros({4, 1, 28, 28}), torch::zeros({4})};
  torch::manual_seed(11);
  const double value = loss.compute(models, batch, {"generator", true}).objectives.at("generator").item<double>();
  torch::manual_seed(11);
  const auto z = torch::randn({4, 6});
  const auto d = models.get("discriminator").forward(models.get("generator").forward(z));
  const double expected =
      torch::nn::functional::binary_cross_entropy_with_logits(d, torch::ones_like(d)).item<double>();
  EXPECT_EQ(value, expected);  // bitwise: the same draw, the same ops
}

TEST(GanLoss, BadRequestsAndModelsAreClearErrors) {
  Gan gan;
  try {
    gan.compute("critic");
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown objective 'critic'"), std::string::npos) << e.what();
  }
  modlr::ModelSet models;  // a "generator" that does not declare its input
  models.add("generator", std::make_shared<ConstantLogit>(0.0));
  models.add("discriminator", std::make_shared<ConstantLogit>(0.0));
  try {
    gan.loss.compute(models, {torch::zeros({2, 1}), torch::zeros({2})}, {"generator", true});
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("declares no input shape"), std::string::npos) << e.what();
  }
  modlr::ModelSet lonely;
  lonely.add("model", std::make_shared<ConstantLogit>(0.0));
  EXPECT_THROW(gan.loss.compute(lonely, {torch::zeros({2, 1}), torch::zeros({2})}, {"generator", true}), modlr::Error);
}

TEST(GanLoss, RegisteredWithTwoObjectivesAndTheGenerativeTask) {
  auto loss = modlr::build_loss(Config::parse("name: gan", "l"));
  EXPECT_EQ(loss->objectives(), (std::vector<std::string>{"discriminator", "generator"}));
  EXPECT_EQ(loss->task(), modlr::Task::generative);
}
