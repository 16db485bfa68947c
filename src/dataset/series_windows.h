#pragma once
// A time series' windows cut when a batch asks for them (timeseries_csv with dataset.cache
// none | N): the series is held once, not `window` times. Internal to src/dataset.
#include <memory>

#include "modlr/dataset/batch.h"

namespace modlr {

class SeriesWindows : public LazyRows {
 public:
  /// Shared by the splits' windows; `values` is replaced once (standardised, float32) by
  /// fit_on_train, before the first batch.
  struct Series {
    torch::Tensor values;  ///< [rows, C]
    int64_t window = 1;
    bool flat = true;  ///< rows are [window * C] (window-major) rather than [window, C]
  };

  /// The windows starting at rows `starts` (int64 [N]).
  SeriesWindows(std::shared_ptr<Series> series, torch::Tensor starts)
      : series_(std::move(series)), starts_(std::move(starts)) {}

  int64_t size() const override { return starts_.size(0); }
  std::vector<int64_t> row_shape() const override {
    const auto columns = series_->values.size(1);
    if (series_->flat) return {series_->window * columns};
    return {series_->window, columns};
  }
  torch::Tensor gather(const torch::Tensor& indices) const override {
    const auto windows = windows_of(series_->values, starts_.index_select(0, indices.to(torch::kLong)));
    return series_->flat ? windows.reshape({windows.size(0), -1}) : windows;
  }
  std::shared_ptr<const LazyRows> select(const torch::Tensor& indices) const override {
    return std::make_shared<SeriesWindows>(series_, starts_.index_select(0, indices.to(torch::kLong)));
  }
  /// These windows of `values` ([rows, C]) as [N, window, C].
  torch::Tensor windows_of(const torch::Tensor& values) const { return windows_of(values, starts_); }

 private:
  torch::Tensor windows_of(const torch::Tensor& values, const torch::Tensor& starts) const {
    const auto rows = (starts.unsqueeze(1) + torch::arange(series_->window, torch::kInt64).unsqueeze(0)).reshape({-1});
    return values.index_select(0, rows).view({starts.size(0), series_->window, values.size(1)});
  }

  std::shared_ptr<Series> series_;
  torch::Tensor starts_;
};

}  // namespace modlr
