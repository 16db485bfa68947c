#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/dataset/dataset.h"
#include "test_support.h"

using modlr::Config;
using modlr::Dataset;
using modlr::Split;
namespace mt = modlr::testing;

namespace {

std::string config_text(const std::string& dir, const std::string& extra = "", const std::string& source = "idx") {
  return "dataset:\n  name: " + source + "\n  path: " + dir + "\n  batch_size: 16\n" + extra;
}

Dataset idx_dataset(const std::string& text) {
  auto config = Config::parse(text, "test.yaml");
  return Dataset(config.section("dataset"), 3);
}

}  // namespace

TEST(IdxDataset, LoadsShapesScalesAndRecordsFiles) {
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.path(), 120, 40);
  auto dataset = idx_dataset(config_text(dir.path()));
  dataset.load();
  const auto& train = dataset.data(Split::train);
  EXPECT_EQ(train.inputs.sizes(), (std::vector<int64_t>{120, 1, 28, 28}));
  EXPECT_EQ(train.inputs.scalar_type(), torch::kFloat32);
  EXPECT_EQ(train.targets.scalar_type(), torch::kInt64);
  EXPECT_FLOAT_EQ(train.inputs.max().item<float>(), 1.0f);  // 255 / 255
  EXPECT_EQ(dataset.data(Split::test).size(), 40);
  ASSERT_EQ(dataset.files().size(), 4u);
  EXPECT_NE(dataset.files()[0].path.find("train-images-idx3-ubyte.gz"), std::string::npos);
  EXPECT_EQ(dataset.files()[0].sha256.size(), 64u);
}

TEST(IdxDataset, NormalisesPerChannel) {
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.path(), 20, 10);
  auto dataset = idx_dataset(config_text(dir.path(), "  scale: 255\n  mean: [0.5]\n  std: [0.25]\n"));
  dataset.load();
  // A 255 pixel becomes (1 - 0.5) / 0.25 = 2; a 0 pixel can not go below -2.
  EXPECT_FLOAT_EQ(dataset.data(Split::train).inputs.max().item<float>(), 2.0f);
  EXPECT_GE(dataset.data(Split::train).inputs.min().item<float>(), -2.0f);
}

TEST(IdxDataset, LimitAndValidation) {
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.path(), 200, 10);
  auto dataset = idx_dataset(config_text(dir.path(), "  limit: 100\n  validation: 0.25\n"));
  dataset.load();
  EXPECT_EQ(dataset.data(Split::train).size(), 75);
  EXPECT_EQ(dataset.data(Split::validation).size(), 25);
  EXPECT_TRUE(dataset.has_validation());
  EXPECT_EQ(dataset.loader(Split::train)->batches_per_epoch(), 5);
}

TEST(IdxDataset, ConfigErrorsNameTheKey) {
  mt::TempDir dir;
  auto expect_error = [&](const std::string& extra, const std::string& needle, const std::string& source = "idx") {
    try {
      idx_dataset(config_text(dir.path(), extra, source));
      FAIL() << "no error for " << extra;
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("  validation: 1.5\n", "dataset.validation");
  expect_error("  limit: -1\n", "dataset.limit");
  expect_error("  mean: [0.1, 0.2]\n  std: [1, 1]\n", "one value per channel");
  expect_error("  std: [0.5]\n", "same length");
  expect_error("  scale: 0\n", "dataset.scale");
  expect_error("", "unknown dataset 'parquet'", "parquet");
}

TEST(IdxDataset, MissingFilesNameThePath) {
  mt::TempDir dir;
  auto dataset = idx_dataset(config_text(dir.path() + "/nowhere"));
  try {
    dataset.load();
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path() + "/nowhere/train-images-idx3-ubyte"), std::string::npos)
        << e.what();
  }
}

TEST(IdxDataset, RealFashionMnistWhenInstalled) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!mt::exists(dir + "/t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  auto dataset = idx_dataset(config_text(dir, "  limit: 1000\n"));
  dataset.load();
  EXPECT_EQ(dataset.data(Split::train).size(), 1000);
  EXPECT_EQ(dataset.data(Split::test).size(), 10000);
  EXPECT_EQ(dataset.data(Split::test).targets.bincount().min().item<int64_t>(), 1000);
}
