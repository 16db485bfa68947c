// A Dataset built from code (options structs) is the Dataset its config builds: the same
// rows, targets and batches; out-of-range options are one-line errors naming the key.
#include <gtest/gtest.h>

#include "cifar_fixture.h"
#include "imdb_fixture.h"
#include "modlr/core/error.h"
#include "modlr/dataset/cifar10_source.h"
#include "modlr/dataset/data_report.h"
#include "modlr/dataset/idx_source.h"
#include "modlr/dataset/imdb_source.h"
#include "modlr/loss/supervised.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

TEST(DatasetFromCode, EqualsTheDatasetItsConfigBuilds) {
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.path(), 100, 30);
  modlr::Dataset from_config(
      modlr::Config::parse("dataset:\n  name: idx\n  path: " + dir.path() +
                               "\n  validation: 0.2\n  batch_size: 16\n  mean: [0.1]\n  std: [0.3]\n",
                           "c.yaml")
          .section("dataset"),
      5);
  modlr::IdxOptions source;
  source.dir = dir.path();
  source.preprocess.mean = {0.1};
  source.preprocess.std = {0.3};
  modlr::DatasetOptions options;
  options.validation = 0.2;
  options.batch_size = 16;
  modlr::Dataset from_code(modlr::make_idx_source(source), "idx", options, 5);
  from_config.load();
  from_code.load();
  for (const auto split : {modlr::Split::train, modlr::Split::validation, modlr::Split::test}) {
    const auto a = modlr::first_examples(from_config, split, 100), b = modlr::first_examples(from_code, split, 100);
    EXPECT_TRUE(torch::equal(a.x, b.x)) << modlr::split_name(split);
    EXPECT_TRUE(torch::equal(a.y, b.y)) << modlr::split_name(split);
  }
  EXPECT_EQ(from_code.loader(modlr::Split::train)->batches_per_epoch(), 5);  // 80 rows in 16s
}

TEST(DatasetFromCode, BadOptionsNameTheKey) {
  auto error_of = [](modlr::DatasetOptions options, modlr::IdxOptions source) -> std::string {
    try {
      modlr::Dataset dataset(modlr::make_idx_source(source), "idx", options, 1);
    } catch (const modlr::Error& e) {
      return e.what();
    }
    return "no error";
  };
  modlr::IdxOptions source;
  source.dir = "/nowhere";
  modlr::DatasetOptions bad;
  bad.validation = 1.5;
  EXPECT_EQ(error_of(bad, source), "'dataset.validation': must be a fraction in [0, 1)");
  bad = {};
  bad.batch_size = 0;
  EXPECT_EQ(error_of(bad, source), "'dataset.batch_size': must be > 0");
  bad = {};
  bad.device = "tpu";
  EXPECT_EQ(error_of(bad, source), "'dataset.device': must be auto, cpu or cuda");
  source.dir = "";
  EXPECT_EQ(error_of({}, source), "IdxOptions::dir: names no folder");
  EXPECT_THROW(modlr::CrossEntropyLoss(modlr::CrossEntropyOptions{1.0}), modlr::Error);
  modlr::Cifar10Options cifar;
  cifar.dir = "/nowhere";
  cifar.test_files = {"data_batch_1"};
  try {
    modlr::make_cifar10_source(cifar);
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(), "'dataset.test_files': 'data_batch_1' is also a training file");
  }
}

TEST(DatasetFromCode, Cifar10FromOptionsEqualsItsConfig) {
  mt::TempDir dir;
  mt::write_synthetic_cifar(dir.path(), 10, 4);
  modlr::Dataset from_config(modlr::Config::parse("dataset:\n  name: cifar10\n  path: " + dir.path() +
                                                      "\n  extra_test_files: {official: [test_batch_first1000]}\n",
                                                  "c.yaml")
                                 .section("dataset"),
                             2);
  modlr::Cifar10Options options;
  options.dir = dir.path();
  options.extra_test_files = {{"official", {"test_batch_first1000"}}};
  modlr::Dataset from_code(modlr::make_cifar10_source(options), "cifar10", {}, 2);
  from_config.load();
  from_code.load();
  for (const auto split : {modlr::Split::train, modlr::Split::test}) {
    const auto a = modlr::first_examples(from_config, split, 50), b = modlr::first_examples(from_code, split, 50);
    EXPECT_TRUE(torch::equal(a.x, b.x) && torch::equal(a.y, b.y)) << modlr::split_name(split);
  }
  ASSERT_EQ(from_code.extra_tests().size(), 1u);
  EXPECT_TRUE(torch::equal(from_code.extra_tests()[0].data.inputs, from_config.extra_tests()[0].data.inputs));
}

TEST(DatasetFromCode, ImdbFromOptionsEqualsItsConfig) {
  mt::TempDir dir;
  mt::write_imdb_directory(dir.path(), mt::synthetic_reviews(6));
  modlr::Dataset from_config(
      modlr::Config::parse("dataset: {name: imdb, path: " + dir.path() + ", max_size: 50, max_length: 12}\n", "i.yaml")
          .section("dataset"),
      2);
  modlr::ImdbOptions options;
  options.path = dir.path();
  options.encoding.max_size = 50;
  options.encoding.max_length = 12;
  modlr::Dataset from_code(modlr::make_imdb_source(options), "imdb", {}, 2);
  EXPECT_EQ(from_code.example_shape()->dims, (std::vector<int64_t>{12}));  // declared before loading
  from_config.load();
  from_code.load();
  for (const auto split : {modlr::Split::train, modlr::Split::test}) {
    const auto a = modlr::first_examples(from_config, split, 24), b = modlr::first_examples(from_code, split, 24);
    EXPECT_TRUE(torch::equal(a.x, b.x) && torch::equal(a.y, b.y)) << modlr::split_name(split);
  }
  options.path.clear();
  EXPECT_THROW(modlr::make_imdb_source(options), modlr::Error);
}

}  // namespace
