#include "modlr/formats/time_series.h"

#include <cmath>
#include <cstdio>

#include "modlr/core/error.h"

namespace modlr::formats {
namespace {

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// `count` decimal digits of `text` from `at` into `out`; false if any is not a digit.
bool digits(const std::string& text, size_t at, size_t count, int64_t& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// YYYY-MM-DD[( |T)HH:MM[:SS]] or YYYY-MM.
bool parse_calendar(const std::string& cell, double& value, std::string& unit) {
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(cell, 0, 4, year) || cell.size() < 7 || cell[4] != '-' || !digits(cell, 5, 2, month)) return false;
  if (month < 1 || month > 12) return false;
  if (cell.size() == 7) {
    value = static_cast<double>(year * 12 + month - 1);
    unit = "month";
    return true;
  }
  if (cell.size() < 10 || cell[7] != '-' || !digits(cell, 8, 2, day)) return false;
  if (day < 1 || day > days_in_month(year, static_cast<int>(month))) return false;
  const int64_t days = days_from_civil(year, static_cast<int>(month), static_cast<int>(day));
  if (cell.size() == 10) {
    value = static_cast<double>(days);
    unit = "day";
    return true;
  }
  if ((cell[10] != ' ' && cell[10] != 'T') || cell.size() < 16 || !digits(cell, 11, 2, hour) || cell[13] != ':' ||
      !digits(cell, 14, 2, minute))
    return false;
  if (cell.size() == 19 && (cell[16] != ':' || !digits(cell, 17, 2, second))) return false;
  if ((cell.size() != 16 && cell.size() != 19) || hour > 23 || minute > 59 || second > 59) return false;
  value = static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second);
  unit = "second";
  return true;
}

std::string describe_step(double steps, const std::string& unit) {
  char text[64];
  std::snprintf(text, sizeof text, "%.15g", steps);
  const bool plural = steps != 1;
  return unit == "number" ? std::string(text) : std::string(text) + " " + unit + (plural ? "s" : "");
}

struct TimedRows {
  std::vector<double> times;
  std::vector<double> values;
  std::string unit;
};

TimedRows read_rows(const CsvTable& table, size_t time, const std::vector<size_t>& columns, const std::string& source) {
  TimedRows out;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto line = source + ": line " + std::to_string(table.lines[r]) + ", column ";
    const auto& cell = table.rows[r][time];
    double t = 0;
    std::string unit;
    if (!parse_time(cell, t, unit))
      throw Error(line + quote_cell(table.header[time]) +
                  ": not a time (YYYY-MM-DD, YYYY-MM, YYYY-MM-DD HH:MM[:SS] "
                  "or a number): " +
                  quote_cell(cell));
    if (r == 0) out.unit = unit;
    if (unit != out.unit)
      throw Error(line + quote_cell(table.header[time]) + ": " + quote_cell(cell) + " is a " + unit +
                  " but the first row's time is a " + out.unit);
    out.times.push_back(t);
    for (size_t c : columns) {
      double v = 0;
      if (!parse_number(table.rows[r][c], v))
        throw Error(line + quote_cell(table.header[c]) + ": " +
                    (table.rows[r][c].empty() ? std::string("empty cell (a missing value)")
                                              : "not a number: " + quote_cell(table.rows[r][c])));
      out.values.push_back(v);
    }
  }
  return out;
}

// The smallest difference between consecutive times, after checking they increase.
double smallest_step(const CsvTable& table, const TimedRows& rows, size_t time, const std::string& source) {
  double step = 0;
  for (size_t r = 1; r < rows.times.size(); ++r) {
    const double difference = rows.times[r] - rows.times[r - 1];
    if (!std::isfinite(difference))
      throw Error(source + ": line " + std::to_string(table.lines[r]) + ": time " + quote_cell(table.rows[r][time]) +
                  " is too far from the previous row's to measure");
    if (!(difference > 0))
      throw Error(source + ": line " + std::to_string(table.lines[r]) + ": time " + quote_cell(table.rows[r][time]) +
                  " is not after the previous row's " + quote_cell(table.rows[r - 1][time]) +
                  " (rows must be in time order, each time once)");
    if (step == 0 || difference < step) step = difference;
  }
  return step;
}

}  // namespace

bool parse_time(const std::string& cell, double& value, std::string& unit) {
  if (parse_number(cell, value)) {
    unit = "number";
    return true;
  }
  return parse_calendar(cell, value, unit);
}

TimeSeries read_time_series(const CsvTable& table, const std::string& time_column,
                            const std::vector<std::string>& value_columns, GapPolicy gaps, const std::string& source) {
  const size_t time = require_column(table, time_column, source);
  std::vector<size_t> columns;
  columns.reserve(value_columns.size());
  for (const auto& name : value_columns) columns.push_back(require_column(table, name, source));
  if (columns.empty())
    throw Error(source + ": no value columns (only the time column " + quote_cell(time_column) + ")");
  if (table.rows.size() < 2)
    throw Error(source + ": a time series needs at least 2 rows, the file has " + std::to_string(table.rows.size()));
  const TimedRows rows = read_rows(table, time, columns, source);
  TimeSeries series;
  series.columns = value_columns;
  series.unit = rows.unit;
  series.step = smallest_step(table, rows, time, source);
  const size_t width = columns.size();
  const auto append = [&](size_t r) {
    series.values.insert(series.values.end(), rows.values.begin() + static_cast<std::ptrdiff_t>(r * width),
                         rows.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * width));
    series.times.push_back(table.rows[r][time]);
  };
  append(0);
  for (size_t r = 1; r < rows.times.size(); ++r) {
    const double steps = (rows.times[r] - rows.times[r - 1]) / series.step;
    const double whole = std::round(steps);
    const auto where = source + ": line " + std::to_string(table.lines[r]) + ": ";
    const auto between = quote_cell(table.rows[r - 1][time]) + " and " + quote_cell(table.rows[r][time]);
    if (std::abs(steps - whole) > 1e-9 * whole)
      throw Error(where + "the time between " + between + " is no whole number of steps of " +
                  describe_step(series.step, series.unit) + " (the smallest difference between rows)");
    if (whole > 1) {
      ++series.gaps;
      const auto gap = "a gap between " + between + ": " + describe_step(whole * series.step, series.unit) +
                       " where rows are " + describe_step(series.step, series.unit) + " apart";
      if (gaps == GapPolicy::error)
        throw Error(where + gap + " (gaps: fill interpolates the missing rows, ignore uses the rows as they are)");
      if (gaps == GapPolicy::fill) {
        // Compared as doubles first: a gap of 1e300 steps has no int64_t.
        if (whole - 1 > static_cast<double>(kMaxFilledPerGap) ||
            series.filled_rows + static_cast<int64_t>(whole) - 1 > static_cast<int64_t>(rows.times.size()))
          throw Error(where + gap + ": too long to fill (at most " + std::to_string(kMaxFilledPerGap) +
                      " rows per gap, and no more filled rows than read)");
        const auto missing = static_cast<int64_t>(whole) - 1;
        for (int64_t j = 1; j <= missing; ++j) {
          const double share = static_cast<double>(j) / whole;
          for (size_t c = 0; c < width; ++c) {
            const double a = rows.values[(r - 1) * width + c], b = rows.values[r * width + c];
            series.values.push_back(a + (b - a) * share);
          }
          series.times.emplace_back();
        }
        series.filled_rows += missing;
      }
    }
    append(r);
  }
  series.rows = static_cast<int64_t>(series.times.size());
  return series;
}

}  // namespace modlr::formats
