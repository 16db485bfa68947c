// The csv data source on a hand-written fixture whose split is pinned: with split_seed 0,
// split_off holds out rows 1 and 4 of 10 (torch.randperm(10) seeded 0 starts 4, 1). The
// target is 100 * (row + 1) and target_scale 100, so every target names its row.
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

// Rows 1 and 4 (the test rows) hold extreme x and size values, so any statistic that sees
// them is far off. size is empty in rows 2 (train) and 4 (test). "z" only occurs in row 4.
const char* kFixture =
    "x,price,size,kind\n"
    "1,100,10,b\n"
    "1000,200,5000,a\n"
    "2,300,,c\n"
    "3,400,30,b\n"
    "1000,500,,z\n"
    "4,600,50,b\n"
    "5,700,60,c\n"
    "6,800,70,\"a\"\n"
    "7,900,80,b\n"
    "8,1000,900,c\n";

class CsvSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { mt::write_text(csv(), kFixture); }
  std::string csv() const { return dir.file("fixture.csv"); }
  std::string text(const std::string& extra, const std::string& path = "") const {
    return "dataset:\n  name: csv\n  path: " + (path.empty() ? csv() : path) +
           "\n  target: price\n  target_scale: 100\n  categorical: [kind]\n" + extra;
  }
  Dataset load(const std::string& extra, uint64_t seed = 3) const {
    Dataset dataset(Config::parse(text(extra), "test.yaml").section("dataset"), seed);
    dataset.load();
    return dataset;
  }
  // The error `extra` (or the file at `path`) causes, from construction, load or the
  // unknown-key check.
  std::string error_of(const std::string& extra, const std::string& path = "") const {
    return mt::dataset_error(text(extra, path));
  }
  mt::TempDir dir;
};

std::vector<float> table_row(const modlr::TensorData& data, int64_t i) {
  auto r = data.inputs[i].contiguous();
  return {r.data_ptr<float>(), r.data_ptr<float>() + r.numel()};
}

std::vector<float> targets(const modlr::TensorData& data) {
  auto t = data.targets.contiguous();
  return {t.data_ptr<float>(), t.data_ptr<float>() + t.numel()};
}

}  // namespace

TEST_F(CsvSourceTest, OneHotColumnsTargetsAndPinnedSplit) {
  const auto d = load("  missing: median\n");
  const auto& train = d.data(Split::train);
  const auto& test = d.data(Split::test);
  EXPECT_EQ(train.inputs.sizes(), (std::vector<int64_t>{8, 6}));  // x, size, kind=a|b|c|z
  EXPECT_EQ(train.inputs.scalar_type(), torch::kFloat32);
  EXPECT_EQ(train.targets.sizes(), (std::vector<int64_t>{8, 1}));
  EXPECT_EQ(train.targets.scalar_type(), torch::kFloat32);
  EXPECT_EQ(targets(train), (std::vector<float>{1, 3, 4, 6, 7, 8, 9, 10}));  // rows keep file order
  EXPECT_EQ(targets(test), (std::vector<float>{2, 5}));
  EXPECT_EQ(table_row(train, 0), (std::vector<float>{1, 10, 0, 1, 0, 0}));
  EXPECT_EQ(table_row(train, 5), (std::vector<float>{6, 70, 1, 0, 0, 0}));  // the quoted "a"
  // Train sizes 10, 30, 50, 60, 70, 80, 900: median 60 fills rows 2 and 4 (not 65, which
  // the test row's 5000 would make it).
  EXPECT_EQ(table_row(train, 1), (std::vector<float>{2, 60, 0, 0, 1, 0}));
  EXPECT_EQ(table_row(test, 0), (std::vector<float>{1000, 5000, 1, 0, 0, 0}));
  EXPECT_EQ(table_row(test, 1), (std::vector<float>{1000, 60, 0, 0, 0, 1}));  // "z": seen in the file only
  ASSERT_EQ(d.files().size(), 1u);
  EXPECT_EQ(d.files()[0].path, csv());
  EXPECT_EQ(d.files()[0].sha256.size(), 64u);
}

TEST_F(CsvSourceTest, MeanAndEvenMedianImputation) {
  // 1200 / 7 over the seven training sizes.
  EXPECT_EQ(table_row(load("  missing: mean\n").data(Split::test), 1)[1], static_cast<float>(1200.0 / 7));
  // limit 7 keeps training rows 0, 2, 3, 5, 6, 7, 8: sizes 10, 30, 50, 60, 70, 80 -> (50 + 60) / 2.
  EXPECT_EQ(table_row(load("  missing: median\n  limit: 7\n").data(Split::test), 1)[1], 55.0f);
}

TEST_F(CsvSourceTest, StandardisesWithTrainingStatisticsOnly) {
  const auto d = load("  missing: median\n  standardize: true\n");
  // Train x = 1..8: mean 4.5, population variance 42 / 8 = 5.25. A leak of the two test rows
  // (x = 1000) would move the mean to 203.6.
  const double x_std = std::sqrt(5.25);
  EXPECT_EQ(table_row(d.data(Split::test), 0)[0], static_cast<float>((1000 - 4.5) / x_std));
  EXPECT_EQ(table_row(d.data(Split::train), 0)[0], static_cast<float>((1 - 4.5) / x_std));
  // size after imputation: 10, 60, 30, 50, 60, 70, 80, 900; mean 157.5.
  double sq = 0;
  for (double v : {10, 60, 30, 50, 60, 70, 80, 900}) sq += (v - 157.5) * (v - 157.5);
  EXPECT_EQ(table_row(d.data(Split::test), 0)[1], static_cast<float>((5000 - 157.5) / std::sqrt(sq / 8)));
  EXPECT_EQ(table_row(d.data(Split::test), 0)[2], 1.0f);  // one-hot columns stay 0/1
  const auto train_x = d.data(Split::train).inputs.select(1, 0).to(torch::kFloat64);
  EXPECT_NEAR(train_x.mean().item<double>(), 0.0, 1e-6);
  EXPECT_NEAR((train_x * train_x).mean().item<double>(), 1.0, 1e-6);
}

TEST_F(CsvSourceTest, ValidationRowsStayOutOfTheStatistics) {
  const auto d = load("  missing: median\n  standardize: true\n  validation: 0.25\n");
  ASSERT_EQ(d.data(Split::validation).size(), 2);
  // The training rows (named by their targets) define mean and std of x.
  const std::vector<double> x_by_row{1, 1000, 2, 3, 1000, 4, 5, 6, 7, 8};
  double mean = 0, sq = 0;
  const auto ids = targets(d.data(Split::train));
  for (float id : ids) mean += x_by_row[static_cast<size_t>(id) - 1] / static_cast<double>(ids.size());
  for (float id : ids) sq += std::pow(x_by_row[static_cast<size_t>(id) - 1] - mean, 2);
  EXPECT_NEAR(table_row(d.data(Split::test), 0)[0], (1000 - mean) / std::sqrt(sq / static_cast<double>(ids.size())),
              1e-3);
  const auto train_x = d.data(Split::train).inputs.select(1, 0).to(torch::kFloat64);
  EXPECT_NEAR(train_x.mean().item<double>(), 0.0, 1e-6);
}

TEST_F(CsvSourceTest, SplitFollowsSplitSeedNotRunSeed) {
  const auto a = load("  missing: median\n  validation: 0.25\n", 1);
  const auto b = load("  missing: median\n  validation: 0.25\n", 2);
  // The same test rows (targets name them); their imputed cells may differ, as the
  // training rows the median comes from do.
  EXPECT_EQ(targets(a.data(Split::test)), targets(b.data(Split::test)));
  EXPECT_FALSE(torch::equal(a.data(Split::validation).targets, b.data(Split::validation).targets));
  const auto again = load("  missing: median\n  validation: 0.25\n", 1);
  EXPECT_TRUE(torch::equal(a.data(Split::validation).inputs, again.data(Split::validation).inputs));
  EXPECT_TRUE(torch::equal(a.data(Split::train).inputs, again.data(Split::train).inputs));
  // split_seed 1: randperm(10) seeded 1 starts 5, 6.
  EXPECT_EQ(targets(load("  missing: median\n  split_seed: 1\n").data(Split::test)), (std::vector<float>{6, 7}));
  EXPECT_EQ(targets(load("  missing: median\n  test_fraction: 0.5\n").data(Split::test)).size(), 5u);
}

TEST_F(CsvSourceTest, DropLeavesOutRowsWithEmptyCells) {
  const auto d = load("  missing: drop\n");
  // Rows 2 and 4 go; of the 8 left, randperm(8) seeded 0 starts 4, 0: rows 6 and 0.
  EXPECT_EQ(targets(d.data(Split::test)), (std::vector<float>{1, 7}));
  EXPECT_EQ(d.data(Split::train).size(), 6);
  EXPECT_EQ(d.data(Split::train).inputs.size(1), 6);  // "z" still has its column
}

TEST_F(CsvSourceTest, ExplicitFeaturesAndUnscaledTargets) {
  auto config = Config::parse(
      "dataset:\n  name: csv\n  path: " + csv() + "\n  target: price\n  features: [kind, x]\n  categorical: [kind]\n",
      "t.yaml");
  Dataset d(config.section("dataset"), 3);
  d.load();
  EXPECT_EQ(table_row(d.data(Split::train), 0), (std::vector<float>{0, 1, 0, 0, 1}));  // kind=a|b|c|z, then x
  EXPECT_EQ(targets(d.data(Split::train))[0], 100.0f);
}

TEST_F(CsvSourceTest, BadInputNamesFileLineAndColumn) {
  auto file = [&](const std::string& name, const std::string& content) {
    mt::write_text(dir.file(name), content);
    return dir.file(name);
  };
  const auto f = csv();
  EXPECT_EQ(error_of(""), f + ": line 4, column 'size': empty cell (a missing value; dataset.missing is 'error')");
  EXPECT_EQ(error_of("", file("nan.csv", "x,price,kind\n1,2,a\n1,abc,b\n")),
            dir.file("nan.csv") + ": line 3, column 'price': not a number: 'abc'");
  EXPECT_EQ(error_of("", file("ragged.csv", "x,price,kind\n1,2,a\n1,2\n")),
            dir.file("ragged.csv") + ": line 3: 2 fields, but the header has 3 columns");
  EXPECT_EQ(error_of("", file("empty.csv", "")), dir.file("empty.csv") + ": empty file (no header row)");
  EXPECT_EQ(error_of("", file("header.csv", "x,price,kind\n")), dir.file("header.csv") + ": a header but no data rows");
  EXPECT_EQ(error_of("", file("notarget.csv", "x,cost,kind\n1,2,a\n")),
            dir.file("notarget.csv") +
                ": line 1: no column 'price' (named by dataset.target); the header has: 'x', 'cost', 'kind'");
  EXPECT_EQ(error_of("  features: [x, kind, y]\n"),
            f + ": line 1: no column 'y' (named by dataset.features); the header has: 'x', 'price', 'size', 'kind'");
  EXPECT_EQ(error_of("  missing: mean\n", file("nokind.csv", "x,price,kind\n1,2,\n")),
            dir.file("nokind.csv") +
                ": line 2, column 'kind': empty cell: dataset.missing 'mean' fills numeric "
                "features only (use 'drop' for this column)");
  EXPECT_NE(error_of("  missing: median\n  categoricals: [kind]\n").find("unknown config key 'dataset.categoricals'"),
            std::string::npos);
  EXPECT_NE(error_of("  test_fraction: 1.0\n").find("dataset.test_fraction"), std::string::npos);
  EXPECT_NE(error_of("  features: [x, price]\n").find("'dataset.features': lists the target 'price'"),
            std::string::npos);
  EXPECT_NE(error_of("  features: [x]\n").find("'dataset.categorical': 'kind' is not one of dataset.features"),
            std::string::npos);
  EXPECT_NE(error_of("  missing: sometimes\n").find("dataset.missing"), std::string::npos);
  EXPECT_NE(error_of("", dir.file("absent.csv")).find(dir.file("absent.csv")), std::string::npos);
}

TEST_F(CsvSourceTest, CategoriesPerColumnAreBounded) {
  // kind has 4 distinct values (a, b, c, z): one over a bound of 3, the file and key named.
  EXPECT_EQ(error_of("  missing: mean\n  max_categories: 3\n"),
            csv() +
                ": categorical column 'kind' has 4 distinct values, more than dataset.max_categories = 3 "
                "(raise it if you mean it)");
  EXPECT_EQ(error_of("  missing: mean\n  max_categories: 4\n"), "no error");
  EXPECT_NE(error_of("  max_categories: 0\n").find("dataset.max_categories"), std::string::npos);
  // The gzip bounds are keys of every file-reading source, checked with their names.
  EXPECT_NE(error_of("  max_compression_ratio: 0.5\n").find("dataset.max_compression_ratio"), std::string::npos);
  EXPECT_NE(error_of("  max_decompressed_mib: 0\n").find("dataset.max_decompressed_mib"), std::string::npos);
}

TEST(CsvSourceHousing, RealCaliforniaHousingWhenPresent) {
  const std::string path = MODLR_SOURCE_DIR "/../shared/data/california-housing/housing.csv.gz";
  if (!mt::exists(path)) GTEST_SKIP() << path << " not present";
  auto config = Config::parse("dataset:\n  name: csv\n  path: " + path +
                                  "\n  target: median_house_value\n  categorical: [ocean_proximity]\n"
                                  "  missing: median\n  standardize: true\n  target_scale: 100000\n",
                              "t.yaml");
  Dataset d(config.section("dataset"), 1);
  d.load();
  EXPECT_EQ(d.data(Split::train).inputs.sizes(), (std::vector<int64_t>{16512, 13}));
  EXPECT_EQ(d.data(Split::test).size(), 4128);
  const auto one_hot = torch::cat({d.data(Split::train).inputs, d.data(Split::test).inputs}).narrow(1, 8, 5);
  EXPECT_TRUE(torch::equal(one_hot.sum(1), torch::ones({20640})));
  // <1H OCEAN 9136, INLAND 6551, ISLAND 5, NEAR BAY 2290, NEAR OCEAN 2658 (sorted order).
  EXPECT_TRUE(torch::equal(one_hot.sum(0), torch::tensor({9136.0f, 6551.0f, 5.0f, 2290.0f, 2658.0f})))
      << one_hot.sum(0);
  EXPECT_LE(d.data(Split::train).targets.max().item<float>(), 5.00001f);
}
