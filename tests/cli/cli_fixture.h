#pragma once
// A temporary workspace with a synthetic IDX data set, a small config and a runs dir.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "test_support.h"

namespace modlr::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir = work.file("data");
    runs_dir = work.file("runs");
    write_synthetic_idx(data_dir, 600, 200);
    config = work.file("small.yaml");
    write_text(config, small_config(data_dir, runs_dir));
  }
  /// Run directories of experiment `name`, oldest first.
  std::vector<std::string> runs(const std::string& name = "small") const {
    std::vector<std::string> out;
    const auto parent = runs_dir + "/" + name;
    if (!exists(parent)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(parent)) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  nlohmann::json summary_of(const std::string& run_dir) const {
    return nlohmann::json::parse(read_text(run_dir + "/summary.json"));
  }
  CommandResult train(const std::string& extra = "") const { return run_modlr("train " + config + " " + extra); }

  TempDir work;
  std::string data_dir, runs_dir, config;
};

/// A run's metrics.csv values per "<split>/<metric>", in file order.
inline std::map<std::string, std::vector<double>> metrics_csv_curves(const std::string& run_dir) {
  std::map<std::string, std::vector<double>> curves;
  std::ifstream csv(run_dir + "/metrics.csv");
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    std::stringstream fields(line);
    std::string epoch, split, metric, value;
    std::getline(fields, epoch, ',');
    std::getline(fields, split, ',');
    std::getline(fields, metric, ',');
    std::getline(fields, value);
    curves[split + "/" + metric].push_back(std::stod(value));
  }
  return curves;
}

/// What PyPI tensorboard's own backend reads from a run's tensorboard/ folder
/// (tests/tracking/tensorboard_run.py): scalars, images, text, hparams.
inline nlohmann::json tensorboard_view(const std::string& run_dir) {
  const auto result =
      run_command(python() + " " + MODLR_SOURCE_DIR + "/tests/tracking/tensorboard_run.py " + run_dir + "/tensorboard");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json::object();
}

}  // namespace modlr::testing
