// Every data source from code: the options struct each config section fills, built by hand,
// gives the same data set as the config; bad options are one line naming the field.
#include <gtest/gtest.h>

#include <filesystem>

#include "csv_fixture.h"
#include "modlr/core/error.h"
#include "modlr/dataset/csv_source.h"
#include "modlr/dataset/data_report.h"
#include "modlr/dataset/image_folder_source.h"
#include "modlr/dataset/text_sources.h"
#include "modlr/dataset/timeseries_source.h"
#include "modlr/formats/png.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

// Loads both and compares their first examples of every split, and their declared shapes.
void expect_same_data(modlr::Dataset& from_config, modlr::Dataset& from_code, const std::string& what) {
  const auto declared = from_config.example_shape(), declared_by_code = from_code.example_shape();
  ASSERT_EQ(declared.has_value(), declared_by_code.has_value()) << what;
  if (declared) {
    EXPECT_EQ(declared->dims, declared_by_code->dims) << what;
  }
  from_config.load();
  from_code.load();
  for (const auto split : {modlr::Split::train, modlr::Split::test}) {
    const auto a = modlr::first_examples(from_config, split, 8), b = modlr::first_examples(from_code, split, 8);
    EXPECT_TRUE(torch::equal(a.x, b.x) && torch::equal(a.y, b.y)) << what << " " << modlr::split_name(split);
  }
}

modlr::Dataset from_yaml(const std::string& section) {
  return modlr::Dataset(modlr::Config::parse("dataset: " + section + "\n", "d.yaml").section("dataset"), 4);
}

}  // namespace

TEST(SourcesFromCode, TextLinesAndTextFolder) {
  mt::TempDir dir;
  std::string train = "text,label\n", test = "text,label\n";
  for (int i = 0; i < 12; ++i)
    train += (i % 2 ? "good fine great day " : "bad awful poor day ") + std::to_string(i) + "," +
             (i % 2 ? "pos" : "neg") + "\n";
  for (int i = 0; i < 4; ++i)
    test += std::string(i % 2 ? "great day" : "awful day") + "," + (i % 2 ? "pos" : "neg") + "\n";
  mt::write_text(dir.file("train.csv"), train);
  mt::write_text(dir.file("test.csv"), test);
  auto config = from_yaml("{name: text_lines, train_path: " + dir.file("train.csv") +
                          ", test_path: " + dir.file("test.csv") + ", max_length: 6}");
  modlr::TextLinesOptions lines;
  lines.train_path = dir.file("train.csv");
  lines.test_path = dir.file("test.csv");
  lines.encoding.max_length = 6;
  modlr::Dataset code(modlr::make_text_lines_source(lines), "text_lines", {}, 4);
  expect_same_data(config, code, "text_lines");
  lines.label = "text";
  EXPECT_EQ(mt::error_message([&] { modlr::make_text_lines_source(lines); }),
            "TextLinesOptions::label: names the text column 'text' too");

  for (const auto* split : {"train", "test"})
    for (const auto* label : {"neg", "pos"})
      for (int i = 0; i < 3; ++i) {
        std::filesystem::create_directories(dir.file(std::string(split) + "/" + label));
        mt::write_text(dir.file(std::string(split) + "/" + label + "/" + std::to_string(i) + ".txt"),
                       std::string(label) + " words " + std::to_string(i));
      }
  auto folder_config =
      from_yaml("{name: text_folder, train_path: " + dir.file("train") + ", test_path: " + dir.file("test") + "}");
  modlr::TextFolderOptions folder;
  folder.train_path = dir.file("train");
  folder.test_path = dir.file("test");
  modlr::Dataset folder_code(modlr::make_text_folder_source(folder), "text_folder", {}, 4);
  expect_same_data(folder_config, folder_code, "text_folder");
  std::filesystem::create_directories(dir.file("empty"));
  folder.test_path = dir.file("empty");
  modlr::Dataset missing(modlr::make_text_folder_source(folder), "text_folder", {}, 4);
  const auto error = mt::error_message([&] { missing.load(); });
  EXPECT_EQ(error,
            "TextFolderOptions::test_path: " + dir.file("empty") + " has no class folders (<root>/<class>/<file>)");
}

TEST(SourcesFromCode, ImageFolder) {
  mt::TempDir dir;
  for (const auto* split : {"train", "test"})
    for (int label = 0; label < 2; ++label)
      for (int i = 0; i < 3; ++i) {
        modlr::formats::Image8 image;
        image.width = 5;
        image.height = 4;
        image.channels = 1;
        for (int p = 0; p < 20; ++p) image.pixels.push_back(static_cast<uint8_t>(p * 10 + label * 50 + i));
        std::filesystem::create_directories(dir.file(std::string(split) + "/c" + std::to_string(label)));
        modlr::formats::write_png(
            dir.file(std::string(split) + "/c" + std::to_string(label) + "/" + std::to_string(i) + ".png"), image);
      }
  auto config = from_yaml("{name: image_folder, train_path: " + dir.file("train") + ", test_path: " + dir.file("test") +
                          ", channels: 1, size: [4, 5]}");
  modlr::ImageFolderOptions options;
  options.train_path = dir.file("train");
  options.test_path = dir.file("test");
  options.channels = 1;
  options.size = {4, 5};
  modlr::Dataset code(modlr::make_image_folder_source(options), "image_folder", {}, 4);
  expect_same_data(config, code, "image_folder");
  options.channels = 2;
  EXPECT_EQ(mt::error_message([&] { modlr::make_image_folder_source(options); }),
            "ImageFolderOptions::channels: must be 1 (gray) or 3 (RGB)");
}

TEST(SourcesFromCode, TimeSeriesAndCsv) {
  mt::TempDir dir;
  std::string series = "day,load,temp\n";
  for (int i = 0; i < 60; ++i)
    series += std::to_string(i) + "," + std::to_string(i % 7 + 0.5 * i) + "," + std::to_string(20 + i % 5) + "\n";
  mt::write_text(dir.file("series.csv"), series);
  auto config = from_yaml("{name: timeseries_csv, path: " + dir.file("series.csv") +
                          ", columns: [load, temp], target: load, window: 5}");
  modlr::TimeSeriesOptions options;
  options.path = dir.file("series.csv");
  options.columns = {"load", "temp"};
  options.target = "load";
  options.window = 5;
  modlr::Dataset code(modlr::make_timeseries_source(options), "timeseries_csv", {}, 4);
  EXPECT_EQ(code.example_shape()->dims, (std::vector<int64_t>{10}));  // window x columns, flat
  expect_same_data(config, code, "timeseries_csv");
  options.label = "temp";
  EXPECT_EQ(mt::error_message([&] { modlr::make_timeseries_source(options); }),
            "TimeSeriesOptions::label: only for task: classify");

  mt::write_synthetic_csv(dir.file("table.csv"), 40);
  auto csv_config =
      from_yaml("{name: csv, path: " + dir.file("table.csv") + ", target: y, categorical: [kind], missing: median}");
  modlr::CsvOptions csv;
  csv.path = dir.file("table.csv");
  csv.target = "y";
  csv.categorical = {"kind"};
  csv.missing = "median";
  modlr::Dataset csv_code(modlr::make_csv_source(csv), "csv", {}, 4);
  expect_same_data(csv_config, csv_code, "csv");
  csv.features = {"a", "y"};
  EXPECT_EQ(mt::error_message([&] { modlr::make_csv_source(csv); }), "CsvOptions::features: lists the target 'y'");
}
