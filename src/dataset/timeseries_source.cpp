// The time-series data source: windows over a CSV series (formats/time_series.h), split in
// time order, for forecasting the value `horizon` steps after each window (regression) or
// classifying windows by a label column.
//
// Config (dataset section), read in this order:
//   name: timeseries_csv
//   path: FILE               # raw or gzipped CSV with a header row
//   time: ""                 # the time column ("" = the header's first column)
//   columns: []              # value columns fed to the model, in this order ([] = every
//                            # column but time and label)
//   task: forecast           # forecast | classify
//   target: ""               # forecast: the column predicted ("" = the only value column)
//   label: ""                # classify: the column of class indices 0..K-1 (required)
//   window: 30               # rows per example
//   horizon: 1               # forecast: the target is the row `horizon` after the window's
//                            # last; classify: the label of that row (0 = the last row's)
//   stride: 1                # rows between the starts of consecutive windows
//   gaps: error              # error | fill | ignore (formats::GapPolicy)
//   test_fraction: 0.2       # the last windows in time (by target row) are the test split
//   standardize: true        # value columns -> (x - mean) / std of the training rows
//   layout: flat             # flat: inputs [N, window * C] (an MLP) | sequence: [N, window, C]
//   moving_average: 0        # rows the moving-average baseline averages (0 = window)
//   cache: memory            # memory: every window copied out at load (window x the series);
//                            # none | N: windows cut per batch from the one copy of the series
//                            # (same values; the series itself stays in memory: one value per
//                            # row and column)
//
// Splits never mix time: window k's target row is first_target + k * stride, and every
// training window's target comes before every validation window's, which come before the
// test windows'. A later split's inputs may reach back into an earlier split's rows (they
// are the observed past at forecast time); no earlier split sees a later one's rows.
// dataset.validation holds out the last training windows (not a random sample).
// Statistics (mean, std: population, a constant column keeps std 1) come from the rows the
// training windows cover, inputs and targets: rows 0 .. the last training window's target.
// Forecast targets are standardised with their column's statistics, so losses and metrics
// are in units of the target's training standard deviation. The baselines (forecast only)
// predict from each test window's own inputs: persistence its last value of the target
// column, moving_average the mean of its last `moving_average` values.
#include <algorithm>
#include <cmath>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"
#include "modlr/dataset/timeseries_source.h"
#include "modlr/formats/sha256.h"
#include "modlr/formats/time_series.h"
#include "series_windows.h"

namespace modlr {
namespace {

class TimeSeriesSource : public DataSource {
 public:
  explicit TimeSeriesSource(TimeSeriesOptions o);
  SourceData load() override;
  std::pair<TensorData, TensorData> hold_out(const TensorData& train, double fraction, uint64_t seed) const override;
  void fit_on_train(TensorData& train, TensorData& validation, TensorData& test) override;
  std::optional<InputNormalization> input_normalization() const override;
  std::vector<NamedPredictions> baselines() const override { return baselines_; }
  /// Declared when dataset.columns lists the value columns; otherwise the file's header decides.
  std::optional<ExampleShape> example_shape() const override {
    if (columns_.empty()) return std::nullopt;
    const auto channels = static_cast<int64_t>(columns_.size());
    if (layout_ == "sequence") return ExampleShape{{window_, channels}, torch::kFloat32};
    return ExampleShape{{window_ * channels}, torch::kFloat32};
  }

 private:
  std::vector<std::string> value_columns(const formats::CsvTable& table, std::string& time) const;
  TensorData windows(int64_t first, int64_t count) const;
  TensorData lazy_windows(int64_t first, int64_t count);
  void standardize(TensorData& data) const;
  TensorData laid_out(const TensorData& data) const;

  OptionKeys config_;  ///< names the options in errors
  std::string path_, time_, task_, target_, label_, layout_;
  std::vector<std::string> columns_;
  int64_t window_, horizon_, stride_, moving_average_;
  formats::GapPolicy gaps_;
  double test_fraction_;
  bool standardize_;
  formats::DecodeLimits decode_limits_;
  bool lazy_;  ///< dataset.cache is not memory
  // Set by load():
  torch::Tensor series_;  ///< float64 [rows, C]: the value columns
  torch::Tensor labels_;  ///< int64 [rows] (classify)
  int64_t target_column_ = 0;
  int64_t first_target_ = 0;  ///< row of window 0's target
  // Set by fit_on_train():
  std::vector<double> mean_, std_;
  std::vector<NamedPredictions> baselines_;
  std::shared_ptr<SeriesWindows::Series> lazy_series_;  ///< the lazy windows' series
};

// cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
TimeSeriesSource::TimeSeriesSource(TimeSeriesOptions o)
    : config_(std::move(o.keys)),
      path_(std::move(o.path)),
      time_(std::move(o.time)),
      task_(std::move(o.task)),
      target_(std::move(o.target)),
      label_(std::move(o.label)),
      layout_(std::move(o.layout)),
      columns_(std::move(o.columns)),
      window_(o.window),
      horizon_(o.horizon),
      stride_(o.stride),
      moving_average_(o.moving_average == 0 ? o.window : o.moving_average),
      gaps_(o.gaps),
      test_fraction_(o.test_fraction),
      standardize_(o.standardize),
      decode_limits_(o.decode_limits),
      lazy_(o.read.per_batch()) {}

std::vector<std::string> TimeSeriesSource::value_columns(const formats::CsvTable& table, std::string& time) const {
  time = time_.empty() ? table.header.front() : time_;
  auto names = columns_;
  if (names.empty())
    for (const auto& h : table.header)
      if (h != time && h != label_) names.push_back(h);
  for (const auto& name : names)
    if (name == time || (!label_.empty() && name == label_))
      config_.fail("columns", "lists '" + name + "', the " + (name == time ? "time" : "label") + " column");
  return names;
}

SourceData TimeSeriesSource::load() {
  const auto table = formats::read_csv(path_, decode_limits_);
  std::string time;
  auto names = value_columns(table, time);
  const size_t value_count = names.size();
  if (!label_.empty()) names.push_back(label_);  // read with the values: checked, gap-filled alike
  const auto series = formats::read_time_series(table, time, names, gaps_, path_);
  const auto rows = series.rows, width = static_cast<int64_t>(names.size());
  auto all = torch::tensor(series.values, torch::kFloat64).view({rows, width});
  series_ = all.narrow(1, 0, static_cast<int64_t>(value_count)).contiguous();
  if (task_ == "classify") {
    auto labels = all.select(1, width - 1);
    if (!torch::equal(labels, labels.round()) || labels.min().item<double>() < 0 || labels.max().item<double>() > 1e6)
      throw Error(path_ + ": label column '" + label_ + "' must hold class indices 0, 1, 2, ... (whole numbers)" +
                  (series.filled_rows > 0 ? " (gaps: fill interpolated some: use error or ignore)" : ""));
    labels_ = labels.to(torch::kInt64);
  } else {
    const auto target = target_.empty() ? names.front() : target_;
    if (target_.empty() && value_count != 1)
      config_.fail("target", "required with " + std::to_string(value_count) + " value columns");
    const auto found = std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(value_count), target);
    if (found == names.begin() + static_cast<std::ptrdiff_t>(value_count))
      config_.fail("target", "'" + target + "' is not one of the value columns");
    target_column_ = found - names.begin();
  }
  first_target_ = window_ - 1 + horizon_;
  const int64_t count = rows > first_target_ ? (rows - 1 - first_target_) / stride_ + 1 : 0;
  if (count < 2)
    throw Error(path_ + ": " + std::to_string(rows) + " rows make " + std::to_string(count) + " window(s) of " +
                config_.path("window") + " " + std::to_string(window_) + " + horizon " + std::to_string(horizon_) +
                ": need at least 2 (one to train, one to test)");
  const auto tested = std::max<int64_t>(1, std::llround(test_fraction_ * static_cast<double>(count)));
  if (tested >= count) config_.fail("test_fraction", "leaves no training window");
  SourceData data;
  data.train = lazy_ ? lazy_windows(0, count - tested) : windows(0, count - tested);
  data.test = lazy_ ? lazy_windows(count - tested, tested) : windows(count - tested, tested);
  data.files.push_back({path_, formats::sha256_file_hex(path_)});
  return data;
}

// `count` windows from window `first`: inputs float64 [count, window, C], raw; targets the
// forecast row's target value (float64 [count, 1]) or the label (int64 [count]).
TensorData TimeSeriesSource::windows(int64_t first, int64_t count) const {
  const auto starts = torch::arange(first, first + count, torch::kInt64) * stride_;
  const auto offsets = torch::arange(window_, torch::kInt64);
  const auto rows = (starts.unsqueeze(1) + offsets.unsqueeze(0)).reshape({-1});
  TensorData out;
  out.inputs = series_.index_select(0, rows).view({count, window_, series_.size(1)});
  const auto target_rows = starts + first_target_;
  out.targets = task_ == "classify" ? labels_.index_select(0, target_rows)
                                    : series_.select(1, target_column_).index_select(0, target_rows).unsqueeze(1);
  return out;
}

// The same windows as windows(), each cut from the series when a batch asks for it.
TensorData TimeSeriesSource::lazy_windows(int64_t first, int64_t count) {
  if (!lazy_series_)
    lazy_series_ = std::make_shared<SeriesWindows::Series>(SeriesWindows::Series{series_, window_, layout_ == "flat"});
  const auto starts = torch::arange(first, first + count, torch::kInt64) * stride_;
  const auto target_rows = starts + first_target_;
  TensorData out;
  out.lazy = std::make_shared<SeriesWindows>(lazy_series_, starts);
  out.targets = task_ == "classify" ? labels_.index_select(0, target_rows)
                                    : series_.select(1, target_column_).index_select(0, target_rows).unsqueeze(1);
  return out;
}

// The last round(fraction * n) training windows, in order: validation after training in time.
std::pair<TensorData, TensorData> TimeSeriesSource::hold_out(const TensorData& train, double fraction, uint64_t) const {
  const int64_t n = train.size();
  const auto held = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  return {train.select(torch::arange(0, n - held, torch::kLong)),
          train.select(torch::arange(n - held, n, torch::kLong))};
}

void TimeSeriesSource::standardize(TensorData& data) const {
  if (data.size() == 0) return;
  const auto mean = torch::tensor(mean_, torch::kFloat64), std = torch::tensor(std_, torch::kFloat64);
  if (!data.lazy) data.inputs = (data.inputs - mean) / std;
  if (task_ == "forecast") data.targets = (data.targets - mean_[target_column_]) / std_[target_column_];
}

TensorData TimeSeriesSource::laid_out(const TensorData& data) const {
  if (data.size() == 0) return data;
  if (data.lazy)
    return {torch::Tensor(), task_ == "forecast" ? data.targets.to(torch::kFloat32) : data.targets, data.lazy};
  auto inputs = data.inputs.to(torch::kFloat32);
  if (layout_ == "flat") inputs = inputs.reshape({data.size(), -1});
  return {inputs.contiguous(), task_ == "forecast" ? data.targets.to(torch::kFloat32) : data.targets};
}

void TimeSeriesSource::fit_on_train(TensorData& train, TensorData& validation, TensorData& test) {
  const int64_t columns = series_.size(1);
  mean_.assign(static_cast<size_t>(columns), 0.0);
  std_.assign(static_cast<size_t>(columns), 1.0);
  if (standardize_) {
    const int64_t last_row = first_target_ + (train.size() - 1) * stride_;
    const auto rows = series_.narrow(0, 0, last_row + 1);
    for (int64_t c = 0; c < columns; ++c) {
      const auto column = rows.select(1, c);
      mean_[static_cast<size_t>(c)] = column.mean().item<double>();
      const double deviation = std::sqrt(((column - mean_[static_cast<size_t>(c)]).pow(2)).mean().item<double>());
      std_[static_cast<size_t>(c)] = deviation > 0 ? deviation : 1.0;
    }
  }
  for (auto* split : {&train, &validation, &test}) standardize(*split);
  torch::Tensor standardized;  // of the lazy windows' series, float64
  if (lazy_series_) {
    standardized = (series_ - torch::tensor(mean_, torch::kFloat64)) / torch::tensor(std_, torch::kFloat64);
    lazy_series_->values = standardized.to(torch::kFloat32);
  }
  baselines_.clear();
  if (task_ == "forecast") {
    const auto test_inputs =
        test.lazy ? dynamic_cast<const SeriesWindows&>(*test.lazy).windows_of(standardized) : test.inputs;
    const auto target = test_inputs.select(2, target_column_);  // [N, window], standardised
    baselines_.push_back({"persistence", target.select(1, window_ - 1).unsqueeze(1).to(torch::kFloat32)});
    baselines_.push_back(
        {"moving_average",
         target.narrow(1, window_ - moving_average_, moving_average_).mean(1, true).to(torch::kFloat32)});
  }
  for (auto* split : {&train, &validation, &test}) *split = laid_out(*split);
}

std::optional<InputNormalization> TimeSeriesSource::input_normalization() const {
  if (layout_ != "flat" || mean_.empty()) return std::nullopt;  // axis 1 is a column only when flat
  InputNormalization n;
  for (int64_t w = 0; w < window_; ++w) {  // flat: window-major, column-minor
    n.mean.insert(n.mean.end(), mean_.begin(), mean_.end());
    n.std.insert(n.std.end(), std_.begin(), std_.end());
  }
  return n;
}

}  // namespace

TimeSeriesOptions TimeSeriesOptions::from_config(const Config& section) {
  TimeSeriesOptions o;
  o.keys = OptionKeys(section);
  o.path = section.get<std::string>("path");
  o.time = section.get<std::string>("time", o.time);
  o.task = section.get_choice("task", o.task, {"forecast", "classify"});
  o.target = section.get<std::string>("target", o.target);
  o.label = section.get<std::string>("label", o.label);
  o.layout = section.get_choice("layout", o.layout, {"flat", "sequence"});
  o.columns = section.get<std::vector<std::string>>("columns", o.columns);
  o.window = section.get_count("window", o.window, false, 1 << 20);
  o.horizon = section.get_count("horizon", o.horizon, /*allow_zero=*/true, 1 << 20);
  o.stride = section.get_count("stride", o.stride, false, 1 << 20);
  o.moving_average = section.get_count("moving_average", o.moving_average, /*allow_zero=*/true, 1 << 20);
  o.test_fraction = section.get<double>("test_fraction", o.test_fraction);
  o.standardize = section.get<bool>("standardize", o.standardize);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section, /*unpacks=*/false);
  const auto gaps = section.get_choice("gaps", "error", {"error", "fill", "ignore"});
  o.gaps = gaps == "fill"     ? formats::GapPolicy::fill
           : gaps == "ignore" ? formats::GapPolicy::ignore
                              : formats::GapPolicy::error;
  return o;
}

std::unique_ptr<DataSource> make_timeseries_source(TimeSeriesOptions o) {
  const auto& keys = o.keys;
  if (o.path.empty()) keys.fail("path", "names no file");
  if (o.task != "forecast" && o.task != "classify") keys.fail("task", "must be forecast or classify");
  if (o.layout != "flat" && o.layout != "sequence") keys.fail("layout", "must be flat or sequence");
  if (o.window < 1 || o.stride < 1 || o.horizon < 0 || o.moving_average < 0)
    keys.fail("window", "window and stride must be >= 1, horizon and moving_average >= 0");
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) keys.fail("test_fraction", "must be a fraction in (0, 1)");
  if (o.task == "forecast" && o.horizon < 1) keys.fail("horizon", "a forecast looks at least 1 row ahead");
  if (o.task == "forecast" && !o.label.empty()) keys.fail("label", "only for task: classify");
  if (o.task == "classify" && o.label.empty()) keys.fail("label", "task: classify needs the label column");
  if (o.task == "classify" && !o.target.empty()) keys.fail("target", "only for task: forecast");
  if (o.moving_average > o.window)
    keys.fail("moving_average", "averages at most the window's " + std::to_string(o.window) + " rows");
  return std::make_unique<TimeSeriesSource>(std::move(o));
}

MODLR_REGISTER(data_source_registry, "timeseries_csv", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_timeseries_source(TimeSeriesOptions::from_config(c));
});

}  // namespace modlr
