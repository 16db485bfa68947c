// The cifar10 DataSource on fixture files: split files in order, channel planes, per-channel
// normalisation worked by hand, extra test splits, and bad files/keys named.
#include <gtest/gtest.h>

#include "cifar_fixture.h"
#include "modlr/core/error.h"
#include "modlr/dataset/dataset.h"
#include "test_support.h"

using modlr::Config;
using modlr::Dataset;
using modlr::Split;
namespace mt = modlr::testing;
using modlr::testing::error_message;

namespace {

// Files a.bin (labels 1, 2), b.bin.gz (label 3), t.bin (label 4) and x (label 5, no
// extension); every pixel of record label L in channel c is 10L + c.
void write_tiny(const mt::TempDir& dir) {
  auto record = [](uint8_t label) {
    return mt::cifar_record(label, [label](int c, int, int) { return static_cast<uint8_t>(10 * label + c); });
  };
  auto a = record(1);
  const auto a2 = record(2);
  a.insert(a.end(), a2.begin(), a2.end());
  mt::write_bytes(dir.file("a.bin"), a, false);
  mt::write_bytes(dir.file("b.bin.gz"), record(3), true);
  mt::write_bytes(dir.file("t.bin"), record(4), false);
  mt::write_bytes(dir.file("x"), record(5), false);
}

Dataset cifar_dataset(const std::string& dir, const std::string& extra = "") {
  auto config = Config::parse(
      "dataset:\n  name: cifar10\n  path: " + dir + "\n  train_files: [b, a]\n" + "  test_files: [t]\n" + extra,
      "test.yaml");
  return Dataset(config.section("dataset"), 3);
}

}  // namespace

TEST(Cifar10Source, ReadsSplitsInListedOrderWithChannelPlanes) {
  mt::TempDir dir;
  write_tiny(dir);
  auto dataset = cifar_dataset(dir.path(), "  extra_test_files: {more: [x]}\n");
  dataset.load();
  const auto& train = dataset.data(Split::train);
  EXPECT_EQ(train.inputs.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(train.inputs.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(train.targets, torch::tensor({3, 1, 2}, torch::kInt64)));  // b, then a
  // Record 0 (label 3): R = 30, G = 31, B = 32, divided by 255 (no mean/std given).
  EXPECT_FLOAT_EQ(train.inputs[0][0][5][7].item<float>(), 30.0f / 255.0f);
  EXPECT_FLOAT_EQ(train.inputs[0][1][0][0].item<float>(), 31.0f / 255.0f);
  EXPECT_FLOAT_EQ(train.inputs[2][2][31][31].item<float>(), 22.0f / 255.0f);
  EXPECT_EQ(dataset.data(Split::test).targets.item<int64_t>(), 4);
  ASSERT_EQ(dataset.extra_tests().size(), 1u);
  EXPECT_EQ(dataset.extra_tests()[0].name, "more");
  EXPECT_EQ(dataset.extra_tests()[0].data.targets.item<int64_t>(), 5);
  // Files in reading order, each with its sha256: b.bin.gz, a.bin, t.bin, x.
  ASSERT_EQ(dataset.files().size(), 4u);
  EXPECT_EQ(dataset.files()[0].path, dir.file("b.bin.gz"));
  EXPECT_EQ(dataset.files()[1].path, dir.file("a.bin"));
  EXPECT_EQ(dataset.files()[3].path, dir.file("x"));
  EXPECT_EQ(dataset.files()[3].sha256.size(), 64u);
  auto loader = dataset.extra_test_loader("more");
  modlr::Batch batch;
  loader->start_epoch();
  ASSERT_TRUE(loader->next(batch));
  EXPECT_TRUE(torch::equal(batch.x, dataset.extra_tests()[0].data.inputs));
  EXPECT_THROW(dataset.extra_test_loader("other"), modlr::Error);
}

TEST(Cifar10Source, NormalisesEachChannelWithItsOwnMeanAndStd) {
  mt::TempDir dir;
  write_tiny(dir);
  auto dataset = cifar_dataset(dir.path(), "  mean: [0.4914, 0.4822, 0.4465]\n  std: [0.2470, 0.2435, 0.2616]\n");
  dataset.load();
  const auto& x = dataset.data(Split::train).inputs;
  // Record 0 (label 3): channel c holds 30 + c; (v / 255 - mean_c) / std_c in float32.
  const float expected[3] = {(30.0f / 255.0f - 0.4914f) / 0.2470f, (31.0f / 255.0f - 0.4822f) / 0.2435f,
                             (32.0f / 255.0f - 0.4465f) / 0.2616f};
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(x[0][c][9][9].item<float>(), expected[c]) << c;
  EXPECT_NEAR(expected[0], -1.5132, 1e-4);  // (0.117647 - 0.4914) / 0.2470, by hand
}

TEST(Cifar10Source, DefaultsNameTheOfficialBatches) {
  mt::TempDir dir;
  mt::write_synthetic_cifar(dir.path(), 4, 2);
  auto config = Config::parse("dataset:\n  name: cifar10\n  path: " + dir.path() + "\n", "d.yaml");
  Dataset dataset(config.section("dataset"), 1);
  dataset.load();
  EXPECT_EQ(dataset.data(Split::train).size(), 16);  // data_batch_1..4
  EXPECT_EQ(dataset.data(Split::test).size(), 4);    // data_batch_5
  EXPECT_TRUE(dataset.extra_tests().empty());
  const auto dump = config.dump();
  EXPECT_NE(dump.find("  train_files:\n    - data_batch_1\n    - data_batch_2\n    - data_batch_3\n    - data_batch_4\n"
                      "  test_files:\n    - data_batch_5\n  extra_test_files: {}\n"),
            std::string::npos)
      << dump;
}

TEST(Cifar10Source, MissingFileNamesEveryPathTried) {
  mt::TempDir dir;
  write_tiny(dir);
  auto dataset = cifar_dataset(dir.path(), "  extra_test_files: {more: [nothere]}\n");
  const auto message = error_message([&] { dataset.load(); });
  const auto base = dir.file("nothere");
  EXPECT_NE(message.find("data file not found: none of " + base + ".bin.gz, " + base + ".bin, " + base + ".gz, " +
                         base + " exists"),
            std::string::npos)
      << message;
}

TEST(Cifar10Source, BadFilesAreNamed) {
  mt::TempDir dir;
  write_tiny(dir);
  mt::write_bytes(dir.file("t.bin"), std::vector<uint8_t>(3073 * 2 + 5, 1), false);
  auto dataset = cifar_dataset(dir.path());
  EXPECT_NE(error_message([&] { dataset.load(); }).find(dir.file("t.bin") + ": size 6151 bytes"), std::string::npos);
  mt::write_bytes(dir.file("t.bin"), {}, false);
  auto empty = cifar_dataset(dir.path());
  EXPECT_NE(error_message([&] { empty.load(); }).find(dir.file("t.bin") + ": empty"), std::string::npos);
  mt::write_bytes(dir.file("t.bin"), mt::cifar_record(11, [](int, int, int) { return 0; }), false);
  auto label = cifar_dataset(dir.path());
  EXPECT_NE(error_message([&] { label.load(); }).find(dir.file("t.bin") + ": record 0 has label 11"),
            std::string::npos);
}

TEST(Cifar10Source, BadKeysAreNamed) {
  mt::TempDir dir;
  const auto expect = [&](const std::string& extra, const std::string& needle) {
    auto config = Config::parse("dataset:\n  name: cifar10\n  path: " + dir.path() + "\n" + extra, "k.yaml");
    const auto message = error_message([&] { Dataset(config.section("dataset"), 1); });
    EXPECT_NE(message.find(needle), std::string::npos) << extra << " -> " << message;
  };
  expect("  train_files: []\n", "'dataset.train_files': needs at least one file");
  expect("  test_files: [data_batch_1]\n", "'dataset.test_files': 'data_batch_1' is also a training file");
  expect("  train_files: data_batch_1\n", "dataset.train_files");
  expect("  extra_test_files: {test: [x]}\n", "'dataset.extra_test_files.test': a split name");
  expect("  extra_test_files: {Big-Name: [x]}\n", "a split name must match");
  expect("  extra_test_files: {more: x}\n", "dataset.extra_test_files.more");
  expect("  extra_test_files: [x]\n", "dataset.extra_test_files");
  expect("  mean: [0.5]\n  std: [0.2]\n", "needs one value per channel (3)");
}
