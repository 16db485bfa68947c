#pragma once
/// Time series from code: windows over a CSV series for forecasting or classification
/// (src/dataset/timeseries_source.cpp lists the `timeseries_csv` config keys, which fill
/// this same struct, and what each split holds). Inputs float32 [N, window * C] (layout
/// flat) or [N, window, C] (sequence); targets float32 [N, 1] (forecast) or int64 [N].
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/option_keys.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"
#include "modlr/formats/time_series.h"

namespace modlr {

struct TimeSeriesOptions {
  std::string path;                  ///< required: a raw or gzipped CSV with a header row
  std::string time;                  ///< the time column ("" = the first)
  std::string task = "forecast";     ///< forecast | classify
  std::string target;                ///< forecast: the column predicted ("" = the only value column)
  std::string label;                 ///< classify: the column of class indices (required there)
  std::string layout = "flat";       ///< flat | sequence
  std::vector<std::string> columns;  ///< value columns fed to the model ([] = all but time and label)
  int64_t window = 30, horizon = 1, stride = 1;
  int64_t moving_average = 0;  ///< rows the moving-average baseline averages (0 = window)
  double test_fraction = 0.2;  ///< the last windows in time, in (0, 1)
  bool standardize = true;     ///< value columns by the training rows' mean and std
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache: windows copied at load, or cut per batch
  formats::GapPolicy gaps = formats::GapPolicy::error;
  OptionKeys keys{"TimeSeriesOptions"};
  static TimeSeriesOptions from_config(const Config& section);
};

/// Throws modlr::Error naming the field for options that contradict each other (a label
/// for a forecast, no label to classify, a moving average longer than the window, ...).
std::unique_ptr<DataSource> make_timeseries_source(TimeSeriesOptions options);

}  // namespace modlr
