// The `mlp` model as a regressor (California Housing's 13-64-64-1): it can fit one batch,
// and an input of the wrong width is a one-line error naming model.sizes.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/loss/loss.h"
#include "modlr/model/model.h"
#include "modlr/optimizer/optimizer.h"

using modlr::Config;

TEST(MlpRegressor, OverfitsOneBatch) {
  torch::manual_seed(0);
  auto model = modlr::build_model(Config::parse("name: mlp\nsizes: [13, 64, 64, 1]", "model.yaml"));
  modlr::ModelSet models;
  models.add("model", model);
  auto loss = modlr::build_loss(Config::parse("name: mse", "loss.yaml"));
  auto optimizer = modlr::build_optimizer(Config::parse("name: adam\nlr: 0.01", "optimizer.yaml"), model->parameters(),
                                          1, "model", "loss");
  optimizer->start_epoch(0);
  const modlr::Batch batch{torch::randn({64, 13}), torch::randn({64, 1})};  // noise: only memorising fits it
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    optimizer->zero_grad();
    auto value = loss->compute(models, batch, {"loss", true}).objectives.at("loss");
    value.backward();
    optimizer->step();
    last = value.item<double>();
    if (step == 0) first = last;
  }
  EXPECT_GT(first, 0.5);  // about the targets' variance (1) at the start
  EXPECT_LT(last, 0.02 * first) << "first " << first << ", last " << last;
}

TEST(MlpRegressor, InputWidthMismatchNamesTheSizesKey) {
  auto model = modlr::build_model(Config::parse("name: mlp\nsizes: [13, 64, 64, 1]", "model.yaml"));
  EXPECT_EQ(model->forward(torch::zeros({4, 13})).sizes(), (std::vector<int64_t>{4, 1}));
  try {
    model->forward(torch::zeros({4, 12}));
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(), "mlp: each example has 12 input values, but model.sizes[0] is 13");
  }
  EXPECT_THROW(model->forward_observed(torch::zeros({2, 3, 5}), [](auto&&...) {}), modlr::Error);
}
