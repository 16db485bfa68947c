#pragma once
// The CSV data source (see csv_source.cpp for its config keys). Internal to src/dataset:
// csv_source.cpp reads the table into memory, csv_source_lazy.cpp reads records per batch.
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "modlr/dataset/csv_source.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"
#include "modlr/formats/csv.h"

namespace modlr::csv_source {

// One data row's cells, its line and the header naming them (for errors).
struct CsvRow {
  const std::vector<std::string>& header;
  const std::vector<std::string>& cells;
  int64_t line = 0;
};

// One configured feature: its table column and, when categorical, its categories.
struct Feature {
  std::string name;
  size_t column = 0;
  bool categorical = false;
  std::vector<std::string> categories;
};

// What fit_on_train does to one numeric column: a missing value (NaN) becomes `fill` when
// imputing, then (v - mean) / deviation when standardising; in double, as the twin does.
struct ColumnTransform {
  bool impute = false, scale = false;
  double fill = 0, mean = 0, deviation = 1;
  double apply(double v) const {
    if (impute && std::isnan(v)) v = fill;
    return scale ? (v - mean) / deviation : v;
  }
};

/// Turns a CSV row into input values and a target by the source's rules (csv_source.cpp);
/// a copyable value, so lazily read rows keep their own.
class RowReader {
 public:
  RowReader(std::string path, std::string missing, double target_scale, std::vector<Feature> features, size_t target)
      : path_(std::move(path)),
        missing_(std::move(missing)),
        target_scale_(target_scale),
        features_(std::move(features)),
        target_(target) {}
  /// Appends the row's inputs to x and its target to y; false (nothing appended) when the
  /// row is dropped for a missing value (missing: drop). Every cell is checked, so a bad
  /// cell is an error even in a dropped row.
  bool read(const CsvRow& cells, std::vector<double>& x, std::vector<double>& y) const;
  const std::vector<Feature>& features() const { return features_; }
  size_t target() const { return target_; }

 private:
  double number(const CsvRow& row, size_t column) const;
  [[noreturn]] void fail_cell(const CsvRow& row, size_t column, const std::string& what) const;

  std::string path_, missing_;
  double target_scale_;
  std::vector<Feature> features_;
  size_t target_;
};

class CsvSource : public DataSource {
 public:
  explicit CsvSource(CsvOptions o);
  SourceData load() override;
  void fit_on_train(TensorData& train, TensorData& validation, TensorData& test) override;

 private:
  // csv_source.cpp: the table in memory
  std::vector<Feature> resolve_features(const formats::CsvTable& table) const;
  void finish_categories(Feature& feature) const;
  void set_columns(const std::vector<Feature>& features);
  ColumnTransform fit_column(std::vector<double> values, size_t column) const;
  size_t find_column(const formats::CsvTable& table, const std::string& name, const std::string& key) const;
  RowReader row_reader(std::vector<Feature> features, size_t target) const;
  // csv_source_lazy.cpp: records read per batch (dataset.cache: none | N MB)
  SourceData load_lazily();
  void fit_lazily(const TensorData& train);

  OptionKeys config_;  // names the options in errors
  std::string path_, target_;
  std::vector<std::string> features_, categorical_;
  std::string missing_;
  double test_fraction_;
  uint64_t split_seed_;
  bool standardize_;
  double target_scale_;
  int64_t max_categories_;
  formats::DecodeLimits decode_limits_;
  std::vector<std::string> column_names_;  // per input column, set by load()
  std::vector<bool> numeric_;              // per input column: false for one-hot columns
  ReadOptions read_;                       // dataset.cache and unpack_dir
  /// The lazy rows' transforms (per input column), filled by fit_lazily before any batch.
  std::shared_ptr<std::vector<ColumnTransform>> lazy_transforms_;
};

}  // namespace modlr::csv_source
