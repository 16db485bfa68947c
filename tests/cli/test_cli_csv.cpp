// The csv source end to end through the CLI: training on a tiny generated table, bad input
// naming the file, line and column, and `modlr summary` on the California Housing config.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "csv_fixture.h"

namespace mt = modlr::testing;

namespace {

class CsvCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    csv = work.file("table.csv");
    mt::write_synthetic_csv(csv, 240);
    config = work.file("tiny-csv.yaml");
    mt::write_text(config, mt::csv_config(csv, work.file("runs")));
  }
  std::vector<std::string> runs() const {
    std::vector<std::string> out;
    const auto parent = work.file("runs/tiny-csv");
    if (!mt::exists(parent)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(parent)) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  nlohmann::json summary_of(const std::string& run) const {
    return nlohmann::json::parse(mt::read_text(run + "/summary.json"));
  }
  mt::TempDir work;
  std::string csv, config;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// `modlr ARGS` run in the source directory, where the configs' relative data paths resolve.
mt::CommandResult run_in_source_dir(const std::string& args) {
  return mt::run_command("cd " MODLR_SOURCE_DIR " && " MODLR_BINARY " " + args);
}

const std::string kHousingConfig = "configs/mlp-california-housing.yaml";
bool housing_present() { return mt::exists(MODLR_SOURCE_DIR "/../shared/data/california-housing/housing.csv.gz"); }

}  // namespace

TEST_F(CsvCliTest, TrainsATinyTableAndReportsRegressionMetrics) {
  const auto result = mt::run_modlr("train " + config);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(runs().size(), 1u);
  const auto s = summary_of(runs().front());
  EXPECT_EQ(s["status"], "finished");
  for (const char* key : {"loss", "mse", "rmse", "mae", "r2"}) EXPECT_TRUE(s["test"].contains(key)) << key;
  EXPECT_FALSE(s["test"].contains("accuracy"));
  EXPECT_GT(s["test"]["r2"].get<double>(), 0.9) << s["test"];  // y is nearly linear in the inputs
  EXPECT_EQ(s["data"][csv].get<std::string>().size(), 64u);
  const auto resolved = mt::read_text(runs().front() + "/config.yaml");
  for (const char* key : {"test_fraction:", "split_seed: 0", "target_scale: 1"})
    EXPECT_NE(resolved.find(key), std::string::npos) << key << " in\n" << resolved;
  EXPECT_NE(mt::read_text(runs().front() + "/metrics.csv").find("15,validation,r2,"), std::string::npos);
}

TEST_F(CsvCliTest, BadCellIsOneLineNamingFileLineAndColumn) {
  auto text = mt::read_text(csv);
  const auto third_row = text.find('\n', text.find('\n', text.find('\n') + 1) + 1) + 1;  // line 4
  text.replace(third_row, text.find(',', third_row) - third_row, "1.5x");
  mt::write_text(csv, text);
  const auto result = mt::run_modlr("train " + config);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(first_line(result.err), "modlr: error: " + csv + ": line 4, column 'a': not a number: '1.5x'");
  ASSERT_EQ(runs().size(), 1u);
  EXPECT_EQ(summary_of(runs().front())["status"], "failed");
}

TEST_F(CsvCliTest, MissingValueAndUnknownKeyAndWidthMismatch) {
  auto result = mt::run_modlr("train " + config + " --set dataset.missing=error");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(first_line(result.err),
            "modlr: error: " + csv + ": line 26, column 'b': empty cell (a missing value; dataset.missing is 'error')");
  result = mt::run_modlr("summary " + config + " --set dataset.standardise=true");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unknown config key 'dataset.standardise' (did you mean 'standardize'?)"),
            std::string::npos)
      << result.err;
  result = mt::run_modlr("summary " + config + " --set model.sizes=[4,16,1]");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("mlp: each example has 5 input values, but model.sizes[0] is 4"), std::string::npos)
      << result.err;
}

TEST(CsvCli, SummaryOfTheCaliforniaHousingConfig) {
  if (!housing_present()) GTEST_SKIP() << "../shared/data/california-housing not present";
  const auto result = run_in_source_dir("summary " + kHousingConfig);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // 13*64+64 + 64*64+64 + 64+1 = 896 + 4160 + 65 = 5121.
  for (const char* needle : {"input [64, 13]", "fc1", "[64, 64]", "fc3", "[64, 1]", "total parameters: 5121"})
    EXPECT_NE(result.out.find(needle), std::string::npos) << needle << "\n" << result.out;
}
