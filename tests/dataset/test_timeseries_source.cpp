// The time-series source on a series whose values are their row numbers (v = row, w = 10 *
// row), so every window, target and statistic below is derived by hand: 12 rows, window 3,
// horizon 1 make 9 windows (window k: rows k..k+2, target row k+3); test_fraction 0.25 tests
// the last round(2.25) = 2; validation 0.3 holds out the last round(2.1) = 2 of the other 7.
// Training windows 0..4 cover rows 0..7: mean 3.5, population std sqrt(5.25).
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/core/error.h"
#include "modlr/dataset/dataset.h"
#include "test_support.h"

using modlr::Config;
using modlr::Dataset;
using modlr::Split;
namespace mt = modlr::testing;

namespace {

const double kMean = 3.5, kStd = std::sqrt(5.25);
double z(double row) { return (row - kMean) / kStd; }

class TimeSeriesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string csv = "t,v,w,c\n";
    for (int r = 0; r < 12; ++r)
      csv += "2001-01-" + std::string(r < 9 ? "0" : "") + std::to_string(r + 1) + "," + std::to_string(r) + "," +
             std::to_string(10 * r) + "," + std::to_string(r % 3) + "\n";
    mt::write_text(dir.file("series.csv"), csv);
  }
  std::string text(const std::string& extra) const {
    std::string text = "dataset:\n  name: timeseries_csv\n  path: " + dir.file("series.csv") + "\n";
    for (const char* key : {"window: 3", "test_fraction: 0.25", "validation: 0.3"})  // unless `extra` sets it
      if (extra.find(std::string(key).substr(0, std::string(key).find(' '))) == std::string::npos)
        text += std::string("  ") + key + "\n";
    return text + extra;
  }
  Dataset load(const std::string& extra) const {
    Dataset dataset(Config::parse(text(extra), "test.yaml").section("dataset"), 7);
    dataset.load();
    return dataset;
  }
  std::string error_of(const std::string& extra) const { return mt::dataset_error(text(extra)); }
  mt::TempDir dir;
};

void expect_values(const torch::Tensor& actual, const std::vector<double>& expected) {
  const auto flat = actual.to(torch::kFloat64).reshape({-1});
  ASSERT_EQ(flat.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(flat[static_cast<int64_t>(i)].item<double>(), expected[i], 1e-6) << "element " << i;
}

TEST_F(TimeSeriesSourceTest, WindowsSplitInTimeOrderWithTrainingStatistics) {
  const auto dataset = load("  columns: [v]\n");
  const auto& train = dataset.data(Split::train);
  ASSERT_EQ(train.inputs.sizes(), (torch::IntArrayRef{5, 3}));
  EXPECT_EQ(train.inputs.scalar_type(), torch::kFloat32);
  expect_values(train.inputs[0], {z(0), z(1), z(2)});
  expect_values(train.inputs[4], {z(4), z(5), z(6)});
  expect_values(train.targets, {z(3), z(4), z(5), z(6), z(7)});
  expect_values(dataset.data(Split::validation).targets, {z(8), z(9)});  // the last training windows
  expect_values(dataset.data(Split::test).inputs, {z(7), z(8), z(9), z(8), z(9), z(10)});
  expect_values(dataset.data(Split::test).targets, {z(10), z(11)});
  const auto normalization = dataset.input_normalization();
  ASSERT_TRUE(normalization.has_value());
  EXPECT_EQ(normalization->mean, (std::vector<double>{kMean, kMean, kMean}));
  EXPECT_NEAR(normalization->std[2], kStd, 1e-12);
}

TEST_F(TimeSeriesSourceTest, BaselinesForecastFromEachTestWindow) {
  const auto baselines = load("  columns: [v]\n").baselines();
  ASSERT_EQ(baselines.size(), 2u);
  EXPECT_EQ(baselines[0].name, "persistence");  // the window's last value: rows 9, 10
  expect_values(baselines[0].test_predictions, {z(9), z(10)});
  EXPECT_EQ(baselines[1].name, "moving_average");  // the mean of rows k..k+2: rows 8, 9
  expect_values(baselines[1].test_predictions, {z(8), z(9)});
  const auto short_average = load("  columns: [v]\n  moving_average: 2\n").baselines();
  expect_values(short_average[1].test_predictions, {z(8.5), z(9.5)});
}

TEST_F(TimeSeriesSourceTest, SeveralColumnsInterleavePerRowAndTheTargetIsChosen) {
  const auto dataset = load("  columns: [v, w]\n  target: w\n  layout: sequence\n  standardize: false\n");
  const auto& train = dataset.data(Split::train);
  ASSERT_EQ(train.inputs.sizes(), (torch::IntArrayRef{5, 3, 2}));
  expect_values(train.inputs[1], {1, 10, 2, 20, 3, 30});
  expect_values(train.targets, {30, 40, 50, 60, 70});
  EXPECT_FALSE(dataset.input_normalization().has_value());  // axis 1 is time, not a column
  const auto flat = load("  columns: [v, w]\n  target: w\n");
  EXPECT_EQ(flat.data(Split::train).inputs.sizes(), (torch::IntArrayRef{5, 6}));
  EXPECT_EQ(flat.input_normalization()->mean.size(), 6u);
}

TEST_F(TimeSeriesSourceTest, LimitTakesTheEarliestWindowsAndTheirRowsForStatistics) {
  // limit 3, no validation: windows 0..2 cover rows 0..5: mean 2.5, std sqrt(35 / 12).
  const auto dataset = load("  columns: [v]\n  limit: 3\n  validation: 0\n");
  const double mean = 2.5, std = std::sqrt(35.0 / 12);
  expect_values(dataset.data(Split::train).targets, {(3 - mean) / std, (4 - mean) / std, (5 - mean) / std});
}

TEST_F(TimeSeriesSourceTest, WindowsClassifiedByALabelColumn) {
  // horizon 0: the label of the window's last row; 10 windows, llround(2.5) = 3 tested.
  const auto dataset = load("  columns: [v]\n  task: classify\n  label: c\n  horizon: 0\n  validation: 0\n");
  const auto& train = dataset.data(Split::train);
  EXPECT_EQ(train.targets.scalar_type(), torch::kInt64);
  EXPECT_EQ(train.targets.size(0), 7);
  expect_values(train.targets.narrow(0, 0, 4), {2, 0, 1, 2});  // rows 2, 3, 4, 5 mod 3
  EXPECT_TRUE(dataset.baselines().empty());
}

TEST_F(TimeSeriesSourceTest, BadConfigsAreOneLineNamingTheKey) {
  EXPECT_NE(error_of("").find("'dataset.target': required with 3 value columns"), std::string::npos) << error_of("");
  EXPECT_NE(error_of("  columns: [v]\n  target: w\n").find("'dataset.target': 'w' is not one of the value columns"),
            std::string::npos);
  EXPECT_NE(error_of("  columns: [t]\n").find("'dataset.columns': lists 't', the time column"), std::string::npos);
  EXPECT_NE(error_of("  columns: [v]\n  label: c\n").find("'dataset.label': only for task: classify"),
            std::string::npos);
  EXPECT_NE(error_of("  task: classify\n").find("'dataset.label': task: classify needs the label column"),
            std::string::npos);
  EXPECT_NE(error_of("  columns: [v]\n  window: 11\n").find("12 rows make 1 window(s) of dataset.window 11"),
            std::string::npos);
  EXPECT_NE(error_of("  columns: [v]\n  moving_average: 4\n").find("'dataset.moving_average':"), std::string::npos);
  EXPECT_NE(error_of("  columns: [v]\n  gaps: maybe\n").find("'dataset.gaps':"), std::string::npos);
  EXPECT_NE(error_of("  columns: [v]\n  horizon: 0\n").find("'dataset.horizon': a forecast looks at least 1 row ahead"),
            std::string::npos);
}

}  // namespace
