// The `acgan` loss, its judge and the conditional DCGAN, on values that follow by hand. A
// discriminator returning the constant row [s, a_0, a_1, a_2] = [ln 3, ln 2, 0, 0] for every
// image has D = 3/4 and class probabilities (1/2, 1/4, 1/4): BCE(s, 1) = ln 4 - ln 3,
// BCE(s, 0) = ln 4, and the cross-entropy of class 0 is ln 2, of classes 1 and 2 ln 4.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "modlr/loss/gan.h"
#include "modlr/loss/judge.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/dcgan.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

using modlr::Config;
namespace mt = modlr::testing;

namespace {

const double kLog2 = std::log(2.0), kLog3 = std::log(3.0), kLog4 = std::log(4.0);

class ConstantRow : public modlr::Model {
 public:
  explicit ConstantRow(std::vector<float> row) { row_ = register_parameter("row", torch::tensor(row)); }
  torch::Tensor forward(torch::Tensor x) override { return row_.unsqueeze(0).expand({x.size(0), row_.size(0)}); }

 private:
  torch::Tensor row_;
};

struct Acgan {
  explicit Acgan(double weight = 1.0, std::shared_ptr<modlr::Judge> judge = nullptr) : loss(0.0, weight, judge) {
    torch::manual_seed(0);
    modlr::DcganOptions o;
    o.latent_size = 6;
    o.features = 4;
    o.classes = 3;
    models.add("generator", std::make_shared<modlr::DcganGenerator>(o));
    models.add("discriminator", std::make_shared<ConstantRow>(std::vector<float>{static_cast<float>(kLog3),
                                                                                 static_cast<float>(kLog2), 0.f, 0.f}));
  }
  // The classes the loss draws after seeding torch with `seed`: z first, then c.
  static torch::Tensor drawn_classes(uint64_t seed, int64_t batch) {
    torch::manual_seed(seed);
    torch::randn({batch, 6});
    return torch::randint(3, {batch}, torch::kLong);
  }
  modlr::LossOutput compute(const std::string& objective, uint64_t seed, bool training = true) {
    torch::manual_seed(seed);
    return loss.compute(models, {torch::zeros({5, 1, 28, 28}), targets}, {objective, training});
  }
  static double mean_cross_entropy(const torch::Tensor& classes) {
    double sum = 0;
    for (int64_t i = 0; i < classes.numel(); ++i) sum += classes[i].item<int64_t>() == 0 ? kLog2 : kLog4;
    return sum / static_cast<double>(classes.numel());
  }
  torch::Tensor targets = torch::tensor({0, 0, 1, 2, 0}, torch::kLong);  // CE: 3 ln 2 + 2 ln 4, over 5
  modlr::ModelSet models;
  modlr::AcganLoss loss;
};

}  // namespace

TEST(AcganLoss, ObjectivesFollowTheHandComputedTerms) {
  for (double weight : {1.0, 0.5}) {
    Acgan gan(weight);
    const double real_ce = (3 * kLog2 + 2 * kLog4) / 5,
                 fake_ce = Acgan::mean_cross_entropy(Acgan::drawn_classes(11, 5));
    const auto d = gan.compute("discriminator", 11);
    ASSERT_EQ(d.objectives.size(), 1u);
    EXPECT_NEAR(d.objectives.at("discriminator").item<double>(), (kLog4 - kLog3) + kLog4 + weight * (real_ce + fake_ce),
                1e-6);
    const auto g = gan.compute("generator", 11);
    ASSERT_EQ(g.objectives.size(), 1u);
    EXPECT_NEAR(g.objectives.at("generator").item<double>(), (kLog4 - kLog3) + weight * fake_ce, 1e-6);
    // The auxiliary head names class 0 for every image: 3 of the 5 real targets.
    EXPECT_EQ(d.rates.at("class_accuracy").hits.item<int64_t>(), 3);
    EXPECT_EQ(d.rates.at("class_accuracy").trials, 5);
    EXPECT_TRUE(g.rates.empty());
  }
}

TEST(AcganLoss, EvaluationGivesBothObjectivesColumnZeroPredictionsAndRates) {
  Acgan gan;
  torch::NoGradGuard no_grad;
  const auto out = gan.compute("", 5, false);
  const double fake_ce = Acgan::mean_cross_entropy(Acgan::drawn_classes(5, 5));
  EXPECT_NEAR(out.objectives.at("generator").item<double>(), (kLog4 - kLog3) + fake_ce, 1e-6);
  ASSERT_EQ(out.predictions.sizes(), (std::vector<int64_t>{10}));
  EXPECT_TRUE(torch::allclose(out.predictions, torch::full({10}, static_cast<float>(kLog3))));
  modlr::MetricSuite metrics(modlr::Task::generative, {"d_real", "class_accuracy", "judge_accuracy"});
  metrics.update(out.predictions, out.targets);
  metrics.update_rates(out.rates);
  const auto values = metrics.compute();
  EXPECT_NEAR(values.at("d_real"), 0.75, 1e-6);
  EXPECT_DOUBLE_EQ(values.at("class_accuracy"), 0.6);
  EXPECT_TRUE(std::isnan(values.at("judge_accuracy")));  // no judge
  EXPECT_NE(metrics.undefined().at("judge_accuracy").find("loss.judge"), std::string::npos);
}

TEST(AcganLoss, BadModelsTargetsAndKeysAreNamed) {
  Acgan gan;
  gan.targets = torch::tensor({0, 0, 1, 3, 0}, torch::kLong);
  EXPECT_NE(mt::error_message([&] { gan.compute("discriminator", 1); }).find("model.discriminator.classes"),
            std::string::npos);
  EXPECT_NE(mt::error_message([&] { gan.compute("critic", 1); }).find("unknown objective 'critic'"), std::string::npos);
  modlr::ModelSet unconditional;
  unconditional.add("generator", std::make_shared<modlr::DcganGenerator>(modlr::DcganOptions{}));
  unconditional.add("discriminator", std::make_shared<ConstantRow>(std::vector<float>{0.f}));
  EXPECT_NE(mt::error_message([&] {
              gan.loss.compute(unconditional, {torch::zeros({2, 1, 28, 28}), torch::zeros({2}, torch::kLong)},
                               {"generator", true});
            }).find("model.generator.classes > 0"),
            std::string::npos);
  modlr::ModelSet wide;  // 4 class logits for a 3-class generator
  wide.add("generator", gan.models.shared("generator"));
  wide.add("discriminator", std::make_shared<ConstantRow>(std::vector<float>{0.f, 0.f, 0.f, 0.f, 0.f}));
  EXPECT_NE(
      mt::error_message([&] {
        gan.loss.compute(wide, {torch::zeros({2, 1, 28, 28}), torch::zeros({2}, torch::kLong)}, {"generator", true});
      }).find("must return [B, 1 + 3]"),
      std::string::npos);
  auto build = [](const std::string& yaml) {
    return mt::error_message([&] { modlr::build_loss(Config::parse(yaml, "c.yaml").section("loss")); });
  };
  EXPECT_NE(build("loss: {name: acgan, label_smoothing: 1.0}").find("'loss.label_smoothing'"), std::string::npos);
  EXPECT_NE(build("loss: {name: acgan, auxiliary_weight: -1}").find("'loss.auxiliary_weight'"), std::string::npos);
  // The judge's files are read in prepare() (before training or an evaluation), not when the
  // loss is built: `modlr summary` and `modlr data` work without them.
  const auto config = Config::parse(
      "loss: {name: acgan, judge: {config: /nonexistent/j.yaml, checkpoint: /nonexistent/j.safetensors}}", "c.yaml");
  const auto loss = modlr::build_loss(config.section("loss"));
  EXPECT_NE(mt::error_message([&] {
              loss->prepare();
            }).find("c.yaml: config key 'loss.judge.checkpoint': /nonexistent/j.safetensors: no such file"),
            std::string::npos);
  mt::TempDir dir;
  mt::write_text(dir.file("j.safetensors"), "not safetensors");
  const auto corrupt = Config::parse(
      "loss: {name: acgan, judge: {config: " + dir.file("j.yaml") + ", checkpoint: " + dir.file("j.safetensors") + "}}",
      "c.yaml");
  const auto message = mt::error_message([&] { modlr::build_loss(corrupt.section("loss"))->prepare(); });
  EXPECT_EQ(message.rfind("c.yaml: config key 'loss.judge': " + dir.file("j.yaml"), 0), 0u) << message;
}

TEST(ConditionalDcgan, InputOutputShapesAndOneHot) {
  modlr::DcganOptions o;
  o.latent_size = 5;
  o.features = 4;
  o.classes = 3;
  modlr::DcganGenerator generator(o);
  EXPECT_EQ(generator.input_shape(), (std::vector<int64_t>{8}));
  EXPECT_EQ(generator.classes(), 3);
  modlr::DcganDiscriminator discriminator(o);
  const auto labels = torch::tensor({2, 0}, torch::kLong);
  const auto input = modlr::conditional_input(torch::zeros({2, 5}), labels, 3);
  EXPECT_TRUE(torch::equal(input.narrow(1, 5, 3), torch::tensor({{0.f, 0.f, 1.f}, {1.f, 0.f, 0.f}})));
  const auto images = generator.forward(input);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
  EXPECT_EQ(discriminator.forward(images).sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_THROW(modlr::conditional_input(torch::zeros({2, 5}), torch::tensor({0, 3}, torch::kLong), 3), modlr::Error);
  EXPECT_THROW(modlr::conditional_input(torch::zeros({2, 5}), torch::tensor({0}, torch::kLong), 3), modlr::Error);
}

TEST(Judge, ClassifiesTheGridsPixelsThroughItsOwnPreprocessingAndLeavesTheRngAlone) {
  mt::TempDir dir;
  mt::write_text(dir.file("judge.yaml"),
                 "dataset: {name: idx, path: x, scale: 255.0, mean: [0.25], std: [0.5]}\n"
                 "model: {name: lenet5}\n");
  torch::manual_seed(3);
  modlr::ModelSet reference;
  reference.add("model", modlr::build_model(Config::parse("name: lenet5", "m.yaml")));
  modlr::save_safetensors(reference, dir.file("judge.safetensors"));

  torch::manual_seed(9);
  const auto expected_draw = torch::randn({4});
  torch::manual_seed(9);
  modlr::Judge judge(dir.file("judge.yaml"), dir.file("judge.safetensors"));
  EXPECT_TRUE(torch::equal(torch::randn({4}), expected_draw));

  const auto images = torch::rand({16, 1, 28, 28}).mul(2).sub(1);
  // By hand: 8-bit pixels as the PNG grid holds them, then (p / 255 - 0.25) / 0.5.
  const auto pixels = images.add(1).mul(127.5).round().clamp(0, 255);
  reference.train(false);
  torch::NoGradGuard no_grad;
  const auto logits = reference.only().forward(pixels.div(255).sub(0.25).div(0.5));
  EXPECT_TRUE(torch::equal(judge.classify(images), logits.argmax(1)));
  EXPECT_NE(mt::error_message([&] {
              judge.classify(torch::zeros({2, 3, 28, 28}));
            }).find("[N, 1, H, W]"),
            std::string::npos);
}

TEST(AcganLoss, JudgeAccuracyCountsTheJudgesAgreementWithTheClassesAskedFor) {
  mt::TempDir dir;
  mt::write_text(dir.file("judge.yaml"), "dataset: {mean: [0.5], std: [0.5]}\nmodel: {name: lenet5}\n");
  modlr::ModelSet judge_weights;
  judge_weights.add("model", modlr::build_model(Config::parse("name: lenet5", "m.yaml")));
  modlr::save_safetensors(judge_weights, dir.file("judge.safetensors"));
  auto judge = std::make_shared<modlr::Judge>(dir.file("judge.yaml"), dir.file("judge.safetensors"));
  Acgan gan(1.0, judge);
  torch::NoGradGuard no_grad;
  const auto out = gan.compute("", 21, false);
  // The same draws and images, judged directly.
  torch::manual_seed(21);
  const auto z = torch::randn({5, 6});
  const auto classes = torch::randint(3, {5}, torch::kLong);
  gan.models.train(true);
  const auto images = gan.models.get("generator").forward(modlr::conditional_input(z, classes, 3));
  const auto hits = judge->classify(images).eq(classes).sum().item<int64_t>();
  EXPECT_EQ(out.rates.at("judge_accuracy").hits.item<int64_t>(), hits);
  EXPECT_EQ(out.rates.at("judge_accuracy").trials, 5);
}

TEST(MetricSuite, RatesSumHitsOverTrialsMergeAndRoundTrip) {
  modlr::MetricSuite a(modlr::Task::generative, {"class_accuracy"});
  a.update_rates({{"class_accuracy", {torch::tensor(3), 4}}, {"judge_accuracy", {torch::tensor(1), 1}}});
  a.update_rates({{"class_accuracy", {torch::tensor(1), 4}}});
  EXPECT_DOUBLE_EQ(a.compute().at("class_accuracy"), 0.5);
  EXPECT_EQ(a.compute().count("judge_accuracy"), 0u);  // not asked for
  auto b = a.empty_like();
  b.update_rates({{"class_accuracy", {torch::tensor(2), 2}}});
  a.merge(b);
  EXPECT_DOUBLE_EQ(a.compute().at("class_accuracy"), 0.6);
  auto restored = a.empty_like();
  restored.restore(a.state());
  EXPECT_DOUBLE_EQ(restored.compute().at("class_accuracy"), 0.6);
  a.reset();
  EXPECT_TRUE(std::isnan(a.compute().at("class_accuracy")));
  EXPECT_THROW(modlr::MetricSuite(modlr::Task::classification, {"class_accuracy"}), modlr::Error);
}
