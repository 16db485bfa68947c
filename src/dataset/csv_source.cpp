// The CSV data source: one table (formats/csv.h), one example per row, split here into
// train and test; Dataset then splits validation off the training rows as for any source.
//
// Config (dataset section), read in this order:
//   name: csv
//   path: FILE               # raw or gzipped CSV with a header row
//   target: COLUMN           # required: the regression target
//   features: []             # feature columns in this order; [] = every column but the
//                            # target, in header order
//   categorical: []          # features one-hot encoded: one 0/1 column per category, the
//                            # categories being the sorted (bytewise) distinct non-empty
//                            # values of the whole file (the schema, not a statistic: the
//                            # input width never depends on the split, and a category with
//                            # no training row just gets a column of zeros in training)
//   max_categories: 1000     # distinct values a categorical column may have (each becomes
//                            # an input column: 100,000 would make the inputs N x 100,000)
//   missing: error           # an empty cell is: error | mean | median (numeric features:
//                            # filled with the training split's mean/median) | drop (rows
//                            # with any empty cell are left out before splitting)
//   test_fraction: 0.2       # rows held out as the test split, chosen by split_off
//   split_seed: 0            # seeds the test split; not the run seed, so every seed of a
//                            # --seeds group is tested on the same rows (as with IDX's fixed
//                            # test files). The validation split follows the run seed.
//   standardize: false       # numeric features -> (x - mean) / std, both of the training
//                            # split (population std; a constant column keeps std 1);
//                            # one-hot columns stay 0/1
//   target_scale: 1.0        # targets are divided by this: losses and metrics are in
//                            # units of target_scale (100000: $100k for house prices)
//
// Inputs: float32 [N, F], features in `features` order, a categorical one expanding in place
// into its category columns. Targets: float32 [N, 1]. Until fit_on_train the inputs are
// float64 with NaN for cells still to impute. Imputation and standardisation are computed
// in double, summing in row order, then rounded to float32 once; the twin
// (reference/modlr_twin/tabular.py) does the same arithmetic in the same order.
#include "csv_source.h"

#include <algorithm>

#include "lazy_examples.h"
#include "modlr/formats/sha256.h"

namespace modlr::csv_source {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

void require_distinct(const OptionKeys& c, const std::string& key, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values[i]) !=
        values.begin() + static_cast<std::ptrdiff_t>(i))
      c.fail(key, "lists '" + values[i] + "' twice");
}

double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 ? values[half] : (values[half - 1] + values[half]) / 2;
}

// Population standard deviation about `mean`; 1 for a constant column (nothing to scale).
double std_of(const std::vector<double>& values, double mean) {
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  const double deviation = std::sqrt(sum / static_cast<double>(values.size()));
  return deviation > 0 ? deviation : 1.0;
}

// Column `j` of a contiguous float64 [n, width] tensor.
std::vector<double> column_values(const torch::Tensor& x, int64_t j) {
  const auto n = x.size(0), width = x.size(1);
  const double* data = x.data_ptr<double>();
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = data[i * width + j];
  return out;
}

// Applies `f` to every value of column `j` of a contiguous float64 [n, width] tensor.
template <typename F>
void map_column(torch::Tensor& x, int64_t j, F f) {
  if (!x.defined()) return;
  const auto n = x.size(0), width = x.size(1);
  double* data = x.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) data[i * width + j] = f(data[i * width + j]);
}

}  // namespace

// cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
CsvSource::CsvSource(CsvOptions o)
    : config_(std::move(o.keys)),
      path_(std::move(o.path)),
      target_(std::move(o.target)),
      features_(std::move(o.features)),
      categorical_(std::move(o.categorical)),
      missing_(std::move(o.missing)),
      test_fraction_(o.test_fraction),
      split_seed_(o.split_seed),
      standardize_(o.standardize),
      target_scale_(o.target_scale),
      max_categories_(o.max_categories),
      decode_limits_(o.decode_limits),
      read_(std::move(o.read)) {}

size_t CsvSource::find_column(const formats::CsvTable& table, const std::string& name, const std::string& key) const {
  return formats::require_column(table, name, path_, config_.path(key));
}

std::vector<Feature> CsvSource::resolve_features(const formats::CsvTable& table) const {
  auto names = features_;
  if (names.empty())
    for (const auto& h : table.header)
      if (h != target_) names.push_back(h);
  std::vector<Feature> features;
  for (const auto& name : names) {
    Feature f{name, find_column(table, name, "features"), contains(categorical_, name), {}};
    if (f.categorical) {
      for (const auto& row : table.rows)
        if (!row[f.column].empty()) f.categories.push_back(row[f.column]);
      finish_categories(f);
    }
    features.push_back(std::move(f));
  }
  for (const auto& name : categorical_)
    if (!contains(names, name)) find_column(table, name, "categorical");
  return features;
}

// Sorts the values collected in feature.categories and keeps each once.
void CsvSource::finish_categories(Feature& f) const {
  std::sort(f.categories.begin(), f.categories.end());
  f.categories.erase(std::unique(f.categories.begin(), f.categories.end()), f.categories.end());
  if (static_cast<int64_t>(f.categories.size()) > max_categories_)
    throw Error(path_ + ": categorical column " + formats::quote_cell(f.name) + " has " +
                std::to_string(f.categories.size()) + " distinct values, more than " + config_.path("max_categories") +
                " = " + std::to_string(max_categories_) + " (raise it if you mean it)");
}

// The input columns the features make: names and which are numeric.
void CsvSource::set_columns(const std::vector<Feature>& features) {
  column_names_.clear();
  numeric_.clear();
  for (const auto& f : features) {
    if (!f.categorical) column_names_.push_back(f.name);
    for (const auto& category : f.categories) column_names_.push_back(f.name + "=" + category);
    numeric_.resize(column_names_.size(), !f.categorical);
  }
}

RowReader CsvSource::row_reader(std::vector<Feature> features, size_t target) const {
  return RowReader(path_, missing_, target_scale_, std::move(features), target);
}

void RowReader::fail_cell(const CsvRow& row, size_t column, const std::string& what) const {
  throw Error(path_ + ": line " + std::to_string(row.line) + ", column " + formats::quote_cell(row.header[column]) +
              ": " + what);
}

double RowReader::number(const CsvRow& row, size_t column) const {
  double value = 0;
  const auto& cell = row.cells[column];
  if (!formats::parse_number(cell, value)) fail_cell(row, column, "not a number: " + formats::quote_cell(cell));
  return value;
}

bool RowReader::read(const CsvRow& cells, std::vector<double>& x, std::vector<double>& y) const {
  const auto& row = cells.cells;
  const size_t start = x.size();
  bool missing = false;
  auto on_missing = [&](size_t column, bool imputable) {
    missing = true;
    if (missing_ == "error") fail_cell(cells, column, "empty cell (a missing value; dataset.missing is 'error')");
    if (missing_ != "drop" && !imputable)
      fail_cell(
          cells, column,
          "empty cell: dataset.missing '" + missing_ + "' fills numeric features only (use 'drop' for this column)");
  };
  for (const auto& f : features_) {
    const auto& cell = row[f.column];
    if (f.categorical) {
      if (cell.empty()) on_missing(f.column, false);
      for (const auto& category : f.categories) x.push_back(cell == category ? 1.0 : 0.0);
    } else if (cell.empty()) {
      on_missing(f.column, true);
      x.push_back(std::numeric_limits<double>::quiet_NaN());
    } else {
      x.push_back(number(cells, f.column));
    }
  }
  if (row[target_].empty()) {
    on_missing(target_, false);
  } else {
    y.push_back(number(cells, target_) / target_scale_);
  }
  if (missing && missing_ == "drop") {
    x.resize(start);
    if (!row[target_].empty()) y.pop_back();
    return false;
  }
  return true;
}

SourceData CsvSource::load() {
  if (read_.per_batch()) return load_lazily();
  const auto table = formats::read_csv(path_, decode_limits_);
  if (table.rows.empty()) throw Error(path_ + ": a header but no data rows");
  const size_t target = find_column(table, target_, "target");
  const auto features = resolve_features(table);
  set_columns(features);
  const auto reader = row_reader(features, target);
  std::vector<double> x, y;
  for (size_t r = 0; r < table.rows.size(); ++r) reader.read({table.header, table.rows[r], table.lines[r]}, x, y);
  if (y.empty()) throw Error(path_ + ": no rows left after dropping those with missing values");
  const auto n = static_cast<int64_t>(y.size()), width = static_cast<int64_t>(column_names_.size());
  TensorData all{torch::tensor(x, torch::kFloat64).view({n, width}),
                 torch::tensor(y, torch::kFloat64).to(torch::kFloat32).view({n, 1})};
  SourceData out;
  std::tie(out.train, out.test) = split_off(all, test_fraction_, split_seed_);
  out.files.push_back({path_, formats::sha256_file_hex(path_)});
  return out;
}

// Column `column`'s transform from its training `values` (NaN = missing).
ColumnTransform CsvSource::fit_column(std::vector<double> values, size_t column) const {
  ColumnTransform t;
  if (missing_ == "mean" || missing_ == "median") {
    std::vector<double> present;
    for (double v : values)
      if (!std::isnan(v)) present.push_back(v);
    if (present.empty())
      throw Error(path_ + ": column " + formats::quote_cell(column_names_[column]) +
                  " has no value in the training split to impute from");
    t.impute = true;
    t.fill = missing_ == "mean" ? mean_of(present) : median_of(present);
    for (auto& v : values) v = std::isnan(v) ? t.fill : v;
  }
  if (standardize_) {
    t.scale = true;
    t.mean = mean_of(values);
    t.deviation = std_of(values, t.mean);
  }
  return t;
}

void CsvSource::fit_on_train(TensorData& train, TensorData& validation, TensorData& test) {
  if (train.lazy) return fit_lazily(train);
  std::vector<TensorData*> splits{&train, &validation, &test};
  for (auto* split : splits)
    if (split->inputs.defined()) split->inputs = split->inputs.contiguous();
  for (int64_t j = 0; j < static_cast<int64_t>(numeric_.size()); ++j) {
    if (!numeric_[static_cast<size_t>(j)]) continue;
    const auto transform = fit_column(column_values(train.inputs, j), static_cast<size_t>(j));
    for (auto* split : splits) map_column(split->inputs, j, [&transform](double v) { return transform.apply(v); });
  }
  for (auto* split : splits)
    if (split->inputs.defined()) split->inputs = split->inputs.to(torch::kFloat32);
}

}  // namespace modlr::csv_source

namespace modlr {
CsvOptions CsvOptions::from_config(const Config& section) {
  CsvOptions o;
  o.keys = OptionKeys(section);
  o.path = section.get<std::string>("path");
  o.target = section.get<std::string>("target");
  o.features = section.get<std::vector<std::string>>("features", o.features);
  o.categorical = section.get<std::vector<std::string>>("categorical", o.categorical);
  o.missing = section.get_choice("missing", o.missing, {"error", "mean", "median", "drop"});
  o.test_fraction = section.get<double>("test_fraction", o.test_fraction);
  o.split_seed = static_cast<uint64_t>(section.get_count("split_seed", 0, /*allow_zero=*/true, kMaxSeed));
  o.standardize = section.get<bool>("standardize", o.standardize);
  o.target_scale = section.get_positive("target_scale", o.target_scale);
  o.max_categories = section.get_count("max_categories", o.max_categories, false, 1 << 24);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section);
  return o;
}

std::unique_ptr<DataSource> make_csv_source(CsvOptions o) {
  const auto& c = o.keys;
  if (o.path.empty()) c.fail("path", "names no file");
  if (o.target.empty()) c.fail("target", "names no column");
  if (o.missing != "error" && o.missing != "mean" && o.missing != "median" && o.missing != "drop")
    c.fail("missing", "must be error, mean, median or drop");
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) c.fail("test_fraction", "must be a fraction in (0, 1)");
  if (!(o.target_scale > 0)) c.fail("target_scale", "must be > 0");
  if (o.max_categories < 1) c.fail("max_categories", "must be >= 1");
  csv_source::require_distinct(c, "features", o.features);
  csv_source::require_distinct(c, "categorical", o.categorical);
  if (csv_source::contains(o.features, o.target)) c.fail("features", "lists the target '" + o.target + "'");
  for (const auto& name : o.categorical) {
    if (name == o.target) c.fail("categorical", "lists the target '" + o.target + "'");
    if (!o.features.empty() && !csv_source::contains(o.features, name))
      c.fail("categorical", "'" + name + "' is not one of dataset.features");
  }
  return std::make_unique<csv_source::CsvSource>(std::move(o));
}

MODLR_REGISTER(data_source_registry, "csv", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_csv_source(CsvOptions::from_config(c));
});
}  // namespace modlr
