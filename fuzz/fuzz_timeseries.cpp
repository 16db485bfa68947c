// libFuzzer target: the time-series reader (time cells, ordering, gaps) over any CSV text.
// Any input must either read or raise a one-line modlr::Error; the series must keep its
// contract (one time per row, a value per row and column, finite values, gaps counted).
#include <cmath>
#include <cstdint>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/time_series.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  namespace mf = modlr::formats;
  mf::CsvTable table;
  try {
    table = mf::parse_csv(text, "fuzz");
  } catch (const modlr::Error&) {
    return 0;
  }
  if (table.header.size() < 2) return 0;
  const std::vector<std::string> values(table.header.begin() + 1, table.header.end());
  for (auto gaps : {mf::GapPolicy::error, mf::GapPolicy::fill, mf::GapPolicy::ignore}) {
    try {
      const auto series = mf::read_time_series(table, table.header.front(), values, gaps, "fuzz");
      const auto rows = static_cast<size_t>(series.rows);
      if (series.times.size() != rows || series.values.size() != rows * values.size()) __builtin_trap();
      if (rows < table.rows.size() || (gaps != mf::GapPolicy::fill && rows != table.rows.size())) __builtin_trap();
      if (series.filled_rows != static_cast<int64_t>(rows - table.rows.size())) __builtin_trap();
      if (gaps == mf::GapPolicy::error && series.gaps != 0) __builtin_trap();
      for (double v : series.values)
        if (!std::isfinite(v)) __builtin_trap();
    } catch (const modlr::Error& e) {
      if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
    }
  }
  return 0;
}
