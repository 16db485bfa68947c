#pragma once
/// A time series read from a parsed CSV table: one time column and numeric value columns,
/// rows in strictly increasing time, evenly spaced. No torch. Every failure throws
/// modlr::Error with one line naming the source and the line (and column where there is one).
///
/// Time cells, all rows in the same form:
///   YYYY-MM-DD                 a day      (unit "day")
///   YYYY-MM                    a month    (unit "month")
///   YYYY-MM-DD HH:MM[:SS]      a second   (unit "second"; a 'T' may replace the space)
///   a plain number (csv.h)     its own unit (unit "number")
/// The step is the smallest difference between consecutive times; every difference must be
/// a whole multiple of it. A larger multiple is a gap of missing rows, handled by GapPolicy.
/// Value cells must be numbers (parse_number); an empty cell is an error.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/formats/csv.h"

namespace modlr::formats {

enum class GapPolicy {
  error,   ///< a gap is an error naming the rows on both sides of it
  fill,    ///< the missing rows are inserted, each value interpolated linearly in time
  ignore,  ///< the rows are used as if they were consecutive
};

struct TimeSeries {
  std::vector<std::string> columns;  ///< the value columns, in the order asked for
  std::vector<double> values;        ///< row-major [rows, columns.size()]
  std::vector<std::string> times;    ///< per row: the time cell ("" for a filled row)
  int64_t rows = 0;
  int64_t filled_rows = 0;  ///< rows inserted by GapPolicy::fill
  int64_t gaps = 0;         ///< gaps found (filled, ignored; error stops at the first)
  std::string unit;         ///< day | month | second | number
  double step = 0;          ///< in `unit`s; 0 when there is a single row
};

/// At most this many rows are inserted for one gap: a longer gap is an error even with
/// GapPolicy::fill (interpolating across it would invent most of the series).
constexpr int64_t kMaxFilledPerGap = 10000;

/// Parses one time cell: its value in its unit (days since 1970-01-01, months since year
/// 0, seconds since 1970-01-01T00:00:00, or the number) and the unit; false for anything
/// else, including impossible dates (2021-02-30).
bool parse_time(const std::string& cell, double& value, std::string& unit);

/// The series of `value_columns` (names from the table's header) timed by `time_column`.
/// Errors name `source` and the line: a missing column, a bad or empty cell, a time not
/// after the one before it (unsorted or duplicate), a time form that changes, a difference
/// that is no whole multiple of the step, a gap (GapPolicy::error), a gap too long to fill,
/// fewer than 2 rows.
TimeSeries read_time_series(const CsvTable& table, const std::string& time_column,
                            const std::vector<std::string>& value_columns, GapPolicy gaps, const std::string& source);

}  // namespace modlr::formats
