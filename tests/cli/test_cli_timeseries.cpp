// The time-series configs end to end on the real series in ../shared/data/timeseries (the
// tests skip where it is absent): each model beats the persistence forecast on the test
// split, the baselines are recorded, and a gap in the file is one line naming it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mt = modlr::testing;

namespace {

const std::string kSeries = MODLR_SOURCE_DIR "/../shared/data/timeseries/";

class TimeSeriesCli : public ::testing::Test {
 protected:
  // Trains `config` from the source directory (its data path is relative to it); returns
  // the run's summary.json, or null after a failed assertion.
  nlohmann::json train(const std::string& config, const std::string& extra = "") {
    const auto result = mt::run_command("cd " MODLR_SOURCE_DIR " && " MODLR_BINARY " train " + config +
                                        " --set tracking.dir=" + work.file("runs") + " " + extra);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto at = result.out.find("run record: ");
    if (result.exit_code != 0 || at == std::string::npos) return nullptr;
    const auto dir = result.out.substr(at + 12, result.out.find('\n', at) - at - 12);
    return nlohmann::json::parse(mt::read_text(dir + "/summary.json"));
  }
  mt::TempDir work;
};

TEST_F(TimeSeriesCli, TemperatureForecastBeatsPersistence) {
  if (!mt::exists(kSeries + "daily-min-temperatures.csv")) GTEST_SKIP() << "no " << kSeries;
  const auto summary = train("configs/mlp-melbourne-temperatures.yaml");
  ASSERT_FALSE(summary.is_null());
  // An independent computation (Python, float64, from the CSV: the two missing days
  // interpolated, 724 test windows, statistics of rows 0..2637) gives persistence
  // 0.6025741152 and the 30-day moving average 0.6513235610 in units of the training std.
  EXPECT_NEAR(summary["baselines"]["persistence"]["rmse"].get<double>(), 0.6025741152, 1e-6);
  EXPECT_NEAR(summary["baselines"]["moving_average"]["rmse"].get<double>(), 0.6513235610, 1e-6);
  EXPECT_LT(summary["test"]["rmse"].get<double>(), summary["baselines"]["persistence"]["rmse"].get<double>());
}

TEST_F(TimeSeriesCli, SunspotForecastBeatsPersistence) {
  if (!mt::exists(kSeries + "monthly-sunspots.csv")) GTEST_SKIP() << "no " << kSeries;
  const auto summary = train("configs/mlp-sunspots.yaml");
  ASSERT_FALSE(summary.is_null());
  EXPECT_NEAR(summary["baselines"]["persistence"]["rmse"].get<double>(), 0.5289299919, 1e-6);  // as above
  EXPECT_LT(summary["test"]["rmse"].get<double>(), summary["baselines"]["persistence"]["rmse"].get<double>());
}

TEST_F(TimeSeriesCli, AGapInTheFileIsOneLineUnlessFilled) {
  if (!mt::exists(kSeries + "daily-min-temperatures.csv")) GTEST_SKIP() << "no " << kSeries;
  const auto result = mt::run_command("cd " MODLR_SOURCE_DIR " && " MODLR_BINARY
                                      " train configs/mlp-melbourne-temperatures.yaml --set dataset.gaps=error"
                                      " --set tracking.dir=" +
                                      work.file("runs"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.substr(0, result.err.find('\n')),
            "modlr: error: ../shared/data/timeseries/daily-min-temperatures.csv: line 1462: a gap between "
            "'1984-12-30' and '1985-01-01': 2 days where rows are 1 day apart (gaps: fill interpolates the missing "
            "rows, ignore uses the rows as they are)");
}

}  // namespace
