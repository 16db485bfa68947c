// Every run's TensorBoard event files (tracking/tensorboard_hook.h), read back by PyPI
// tensorboard's own backend and compared value by value with the run's metrics.csv.
#include <cmath>
#include <fstream>
#include <sstream>

#include "cli/cli_fixture.h"

namespace modlr::testing {
namespace {

TEST_F(CliTest, EveryRunWritesTensorBoardEventsThatMatchItsMetrics) {
  const auto result = train("--set dataset.validation=0.2 --set tracking.tensorboard_every_steps=5");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto run = runs().at(0);
  const auto view = tensorboard_view(run);
  const auto curves = metrics_csv_curves(run);
  ASSERT_FALSE(curves.empty());
  for (const auto& [tag, values] : curves) {
    ASSERT_TRUE(view["scalars"].contains(tag)) << tag;
    const auto& points = view["scalars"][tag];
    ASSERT_EQ(points.size(), values.size()) << tag;
    for (size_t i = 0; i < values.size(); ++i)  // TensorBoard keeps float32
      EXPECT_EQ(points[i][1].get<double>(), static_cast<double>(static_cast<float>(values[i]))) << tag << " " << i;
  }
  // 480 training examples in batches of 32: 15 steps an epoch; validation at 15 and 30.
  EXPECT_EQ(view["scalars"]["validation/accuracy"][0][0], 15);
  EXPECT_EQ(view["scalars"]["validation/accuracy"][1][0], 30);
  EXPECT_EQ(view["scalars"]["train_step/loss"].size(), 6u);  // steps 5, 10, ..., 30
  EXPECT_EQ(view["scalars"]["train_step/loss"][5][0], 30);
  // hparams: the resolved config's scalars; the metrics the HParams plugin shows; the
  // session ended with the test.
  EXPECT_DOUBLE_EQ(view["hparams"]["optimizer.lr"].get<double>(), 0.05);
  EXPECT_EQ(view["hparams"]["model.name"], "lenet5");
  EXPECT_FALSE(view["hparams"].contains("tracking.dir"));
  EXPECT_NE(std::find(view["metrics"].begin(), view["metrics"].end(), "validation/accuracy"), view["metrics"].end());
  EXPECT_EQ(view["session_status"], 1);  // STATUS_SUCCESS
  EXPECT_NE(view["text"]["config"].get<std::string>().find("    experiment: small"), std::string::npos);
}

TEST_F(CliTest, TensorBoardCanBeTurnedOff) {
  ASSERT_EQ(train("--set tracking.tensorboard=false --set runner.epochs=1").exit_code, 0);
  EXPECT_FALSE(exists(runs().at(0) + "/tensorboard"));
}

}  // namespace
}  // namespace modlr::testing
