// The weight average by hand: one scalar weight w taking the values 4, 2, 8 after three
// steps, decay 0.75: the average is 4 after the first update (a copy), then
// 4 + 0.25 * (2 - 4) = 3.5, then 3.5 + 0.25 * (8 - 3.5) = 4.625. An integer buffer is copied.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/model/model.h"
#include "modlr/runner/weight_average.h"

namespace {

class Scalar : public modlr::Model {
 public:
  Scalar() {
    w = register_parameter("w", torch::zeros({1}));
    count = register_buffer("count", torch::zeros({1}, torch::kLong));
  }
  torch::Tensor forward(torch::Tensor x) override { return x * w; }
  torch::Tensor w, count;
};

TEST(WeightAverage, MovesTowardsTheWeightsByHand) {
  modlr::ModelSet models;
  auto scalar = std::make_shared<Scalar>();
  models.add("model", scalar);
  modlr::WeightAverage average(models, 0.75);
  EXPECT_FALSE(average.started());
  const std::vector<double> weights = {4, 2, 8}, expected = {4, 3.5, 4.625};
  for (size_t i = 0; i < weights.size(); ++i) {
    torch::NoGradGuard no_grad;
    scalar->w.fill_(weights[i]);
    scalar->count.fill_(static_cast<int64_t>(i + 1));
    average.update();
    average.swap();  // the averages in the model...
    EXPECT_DOUBLE_EQ(scalar->w.item<double>(), expected[i]) << i;
    EXPECT_EQ(scalar->count.item<int64_t>(), static_cast<int64_t>(i + 1));
    average.swap();  // ...and the weight back
    EXPECT_DOUBLE_EQ(scalar->w.item<double>(), weights[i]);
  }
  // Its state restored into a fresh average, the same averages; the state is a copy.
  const auto state = average.state();
  {
    torch::NoGradGuard no_grad;
    average.update();  // moves the live averages, not the state taken
  }
  modlr::WeightAverage restored(models, 0.75);
  restored.restore(state);
  EXPECT_EQ(restored.state().updates, 3);
  EXPECT_TRUE(restored.started());
  restored.swap();
  EXPECT_DOUBLE_EQ(scalar->w.item<double>(), 4.625);
  EXPECT_THROW(modlr::WeightAverage(models, 1.0), modlr::Error);
}

}  // namespace
