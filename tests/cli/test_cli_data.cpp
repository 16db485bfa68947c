// `modlr data`: counts, shapes, statistics and duplicates of a small image folder whose
// numbers are known, and the command on every shipped config whose data is present.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "modlr/formats/image_decode.h"
#include "modlr/formats/png.h"
#include "test_support.h"

namespace mt = modlr::testing;
namespace mf = modlr::formats;

namespace {

// A 4 x 4 gray image of one value.
void write_flat_png(const std::string& path, uint8_t value) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  mf::write_png(path, {4, 4, 1, std::vector<uint8_t>(16, value)});
}

TEST(DataCli, ReportsCountsShapesStatisticsAndDuplicates) {
  mt::TempDir work;
  // Training: class a = 3 images of 0, class b = 1 image of 255; test: one 255 (a
  // duplicate of b's training image) and one 51.
  for (int i = 0; i < 3; ++i) write_flat_png(work.file("train/a/" + std::to_string(i) + ".png"), 0);
  write_flat_png(work.file("train/b/0.png"), 255);
  write_flat_png(work.file("test/b/0.png"), 255);
  write_flat_png(work.file("test/a/0.png"), 51);
  const auto config = work.file("folder.yaml");
  mt::write_text(
      config,
      "experiment: folder\ndataset:\n  name: image_folder\n  train_path: " + work.file("train") +
          "\n  test_path: " + work.file("test") +
          "\n  channels: 1\n  batch_size: 2\n"
          "model:\n  name: mlp\n  sizes: [16, 2]\nloss:\n  name: cross_entropy\noptimizer:\n  name: sgd\n  lr: 0.1\n");
  const auto result = mt::run_modlr("data " + config + " --out " + work.file("report"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("train               4 examples  per class: a=3 b=1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("test examples identical to a training example: 1"), std::string::npos) << result.out;
  const auto report = nlohmann::json::parse(mt::read_text(work.file("report/data.json")));
  EXPECT_EQ(report["splits"]["test"]["per_class"], (nlohmann::json{1, 1}));
  EXPECT_EQ(report["batch"]["inputs"]["shape"], (nlohmann::json{2, 1, 4, 4}));
  EXPECT_EQ(report["batch"]["inputs"]["dtype"], "Float");
  // Pixels / 255: three images of 0 and one of 1 -> mean 0.25, std sqrt(0.25 * 0.75).
  EXPECT_NEAR(report["inputs"]["mean"][0].get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(report["inputs"]["std"][0].get<double>(), std::sqrt(0.1875), 1e-12);
  EXPECT_EQ(report["test_duplicates_of_train"]["first_pairs"][0], (nlohmann::json{1, 3}));  // test b/0 = train b/0
  const auto grid = mf::decode_image(mt::read_text(work.file("report/samples.png")), 1, "samples.png");
  EXPECT_EQ(grid.width, 2u * (4 + 2) + 2);  // 4 images in 2 rows of 2, 2-pixel borders
  const auto bad = mt::run_modlr("data " + config + " --split validation");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--split: 'validation' is not a split of this data"), std::string::npos) << bad.err;
}

// Every shipped config whose data is on this machine: the report and its samples.
TEST(DataCli, RunsOnEveryShippedConfig) {
  mt::TempDir work;
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MODLR_SOURCE_DIR "/configs")) {
    const auto name = entry.path().stem().string();
    const auto out = work.file(name);
    const auto result =
        mt::run_command("cd " MODLR_SOURCE_DIR " && " MODLR_BINARY " data configs/" + name + ".yaml --out " + out);
    if (result.exit_code != 0 &&
        (result.err.find("No such file") != std::string::npos || result.err.find("not found") != std::string::npos ||
         result.err.find("cannot open") != std::string::npos)) {
      std::cerr << "skipped " << name << " (its data is not here): " << result.err;
      continue;
    }
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
    EXPECT_TRUE(mt::exists(out + "/data.json")) << name;
    EXPECT_TRUE(mt::exists(out + "/samples.png") || mt::exists(out + "/samples.txt")) << name;
    ++checked;
  }
  EXPECT_GE(checked, 2);  // the default experiment's Fashion-MNIST and the time series at least
}

}  // namespace
