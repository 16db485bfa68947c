// Every source read per batch (dataset.cache: none, or a cache of a few rows) against the
// same source read into memory: the same rows in the same order, bit for bit, the same
// targets, class names, fingerprints and artifacts. Gzipped files are unpacked once into
// dataset.unpack_dir (a file named by the gzip file's SHA-256) and reused.
#include <gtest/gtest.h>

#include <filesystem>

#include "cifar_fixture.h"
#include "csv_fixture.h"
#include "imdb_fixture.h"
#include "modlr/dataset/data_report.h"
#include "modlr/dataset/dataset.h"
#include "modlr/formats/sha256.h"
#include "test_support.h"

using modlr::Config;
using modlr::Dataset;
using modlr::Split;
namespace mt = modlr::testing;

namespace {

class LazySources : public ::testing::Test {
 protected:
  Dataset load(const std::string& dataset_yaml) const {
    Dataset dataset(Config::parse("dataset:\n" + dataset_yaml, "test.yaml").section("dataset"), 3);
    dataset.load();
    return dataset;
  }

  // `yaml` (the dataset section's lines) read in memory and per batch give the same data.
  void expect_same_data(const std::string& yaml, const std::vector<std::string>& extra_tests = {}) {
    const auto memory = load(yaml);
    for (const char* cache : {"none", "0.001"}) {
      SCOPED_TRACE(std::string("cache: ") + cache);
      const auto lazy = load(yaml + "  cache: " + cache + "\n  unpack_dir: " + dir.file("unpacked") + "\n");
      for (const auto split : {Split::train, Split::validation, Split::test}) {
        const auto& data = lazy.data(split);
        ASSERT_EQ(data.size(), memory.data(split).size());
        if (data.size() == 0) continue;
        ASSERT_NE(data.lazy, nullptr);
        const auto a = modlr::first_examples(memory, split, data.size()),
                   b = modlr::first_examples(lazy, split, data.size());
        EXPECT_TRUE(torch::equal(a.x, b.x)) << modlr::split_name(split);
        EXPECT_TRUE(torch::equal(a.y, b.y)) << modlr::split_name(split);
      }
      for (const auto& name : extra_tests) {
        const auto in_memory = memory.extra_test_loader(name), read_lazily = lazy.extra_test_loader(name);
        in_memory->start_epoch();
        read_lazily->start_epoch();
        modlr::Batch a, b;
        ASSERT_TRUE(in_memory->next(a) && read_lazily->next(b));
        EXPECT_TRUE(torch::equal(a.x, b.x)) << name;
      }
      EXPECT_EQ(lazy.class_names(), memory.class_names());
      EXPECT_EQ(lazy.artifacts(), memory.artifacts());
      ASSERT_EQ(lazy.files().size(), memory.files().size());
      for (size_t i = 0; i < lazy.files().size(); ++i) EXPECT_EQ(lazy.files()[i].sha256, memory.files()[i].sha256);
    }
  }

  mt::TempDir dir;
};

TEST_F(LazySources, IdxImagesAtTheirOffsets) {
  mt::write_synthetic_idx(dir.file("mnist"), 60, 20);  // training images gzipped, test images raw
  expect_same_data("  name: idx\n  path: " + dir.file("mnist") + "\n  validation: 0.25\n  mean: [0.1]\n  std: [0.3]\n");
  // The gzipped image file was unpacked once, under its SHA-256, and reused after; the raw one
  // is read where it is.
  const auto images = dir.file("mnist/train-images-idx3-ubyte.gz");
  const auto unpacked = dir.file("unpacked/" + modlr::formats::sha256_file_hex(images));
  ASSERT_TRUE(mt::exists(unpacked));
  EXPECT_EQ(std::filesystem::file_size(unpacked), 16u + 60u * 28 * 28);
  EXPECT_EQ(mt::list_files(dir.file("unpacked")).size(), 1u);  // no temporary file left
}

TEST_F(LazySources, Cifar10RecordsAtTheirOffsetsWithExtraTestSplits) {
  mt::write_synthetic_cifar(dir.file("cifar"), 12, 7);
  expect_same_data(
      "  name: cifar10\n  path: " + dir.file("cifar") +
          "\n  train_files: [data_batch_1, data_batch_2]\n  test_files: [data_batch_5]\n"
          "  extra_test_files: {official: [test_batch_first1000]}\n  mean: [0.5, 0.4, 0.3]\n  std: [0.2, 0.2, 0.2]\n",
      {"official"});
}

TEST_F(LazySources, ImdbReviewsFromTheArchiveAndFromADirectory) {
  const auto reviews = mt::synthetic_reviews(6);
  mt::write_imdb_archive(dir.file("aclImdb.tar.gz"), reviews);
  mt::write_imdb_directory(dir.file("imdb"), reviews);
  for (const auto& path : {dir.file("aclImdb.tar.gz"), dir.file("imdb")}) {
    SCOPED_TRACE(path);
    expect_same_data("  name: imdb\n  path: " + path +
                     "\n  max_size: 50\n  max_length: 12\n  limit: 20\n  validation: 0.2\n");
  }
}

TEST_F(LazySources, TextLinesRecordsAtTheirOffsets) {
  mt::write_text(dir.file("train.csv"),
                 "label,text\nneg,Bad movie\npos,\"good movie,\r\n<br />great\"\r\nneg,awful\n\nmeh,so so\n");
  mt::write_text(dir.file("test.csv"), "label,text\r\npos,good film\r\nmeh,fine\r\n");
  expect_same_data("  name: text_lines\n  train_path: " + dir.file("train.csv") +
                   "\n  test_path: " + dir.file("test.csv") + "\n  max_length: 5\n");
}

TEST_F(LazySources, CsvRowsAtTheirOffsetsImputedAndStandardisedAlike) {
  mt::write_synthetic_csv(dir.file("table.csv"), 150);
  for (const char* missing : {"median", "mean", "drop"}) {
    SCOPED_TRACE(missing);
    expect_same_data("  name: csv\n  path: " + dir.file("table.csv") +
                     "\n  target: y\n  categorical: [kind]\n  missing: " + missing +
                     "\n  standardize: true\n  validation: 0.1\n");
  }
}

TEST_F(LazySources, TimeSeriesWindowsCutPerBatch) {
  std::string csv = "t,v,w\n";
  for (int r = 0; r < 40; ++r)
    csv += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," + std::to_string((r * 3) % 5) + "\n";
  mt::write_text(dir.file("series.csv"), csv);
  for (const char* layout : {"flat", "sequence"}) {
    SCOPED_TRACE(layout);
    expect_same_data("  name: timeseries_csv\n  path: " + dir.file("series.csv") +
                     "\n  target: v\n  window: 4\n  stride: 2\n"
                     "  validation: 0.2\n  layout: " +
                     layout + "\n");
  }
}

// A gzip file that does not decompress: one line naming it, and nothing left in unpack_dir.
TEST_F(LazySources, ACorruptGzipIsNamedAndLeavesNoPartialCopy) {
  mt::write_synthetic_idx(dir.file("mnist"), 60, 20);
  auto bytes = mt::read_text(dir.file("mnist/train-images-idx3-ubyte.gz"));
  bytes.resize(bytes.size() / 2);
  mt::write_text(dir.file("mnist/train-images-idx3-ubyte.gz"), bytes);
  const auto error = mt::dataset_error("dataset:\n  name: idx\n  path: " + dir.file("mnist") +
                                       "\n  cache: none\n  unpack_dir: " + dir.file("unpacked") + "\n");
  EXPECT_NE(error.find(dir.file("mnist/train-images-idx3-ubyte.gz") + ": truncated gzip stream"), std::string::npos)
      << error;
  EXPECT_TRUE(mt::list_files(dir.file("unpacked")).empty());
  mt::write_text(dir.file("blocker"), "a file where the folder should be");
  const auto blocked = mt::dataset_error("dataset:\n  name: idx\n  path: " + dir.file("mnist") +
                                         "\n  cache: none\n  unpack_dir: " + dir.file("blocker/unpacked") + "\n");
  EXPECT_NE(blocked.find(dir.file("blocker/unpacked") + ": cannot create the folder to unpack"), std::string::npos)
      << blocked;
}

}  // namespace
