// Time cells and the time-series reader: day numbers checked against hand-counted dates,
// gaps found, filled by linear interpolation or refused, unsorted rows named by line.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/formats/time_series.h"

namespace mf = modlr::formats;

namespace {

double time_of(const std::string& cell, const std::string& unit) {
  double value = -1;
  std::string found;
  EXPECT_TRUE(mf::parse_time(cell, value, found)) << cell;
  EXPECT_EQ(found, unit) << cell;
  return value;
}

bool parses(const std::string& cell) {
  double value = 0;
  std::string unit;
  return mf::parse_time(cell, value, unit);
}

std::string series_error(const std::string& csv, mf::GapPolicy gaps = mf::GapPolicy::error,
                         std::vector<std::string> columns = {"v"}) {
  try {
    mf::read_time_series(mf::parse_csv(csv, "s.csv"), "t", columns, gaps, "s.csv");
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TimeSeriesFormat, TimeCellsCountDaysMonthsAndSeconds) {
  EXPECT_EQ(time_of("1970-01-01", "day"), 0);
  EXPECT_EQ(time_of("1970-02-01", "day"), 31);
  EXPECT_EQ(time_of("1969-12-31", "day"), -1);
  EXPECT_EQ(time_of("2000-03-01", "day"), 11017);  // 30 years of 365 days + 7 leap days + Jan + 29 Feb
  EXPECT_EQ(time_of("1985-01-01", "day") - time_of("1984-12-30", "day"), 2);
  EXPECT_EQ(time_of("1749-02", "month") - time_of("1749-01", "month"), 1);
  EXPECT_EQ(time_of("1750-01", "month") - time_of("1749-12", "month"), 1);
  EXPECT_EQ(time_of("1970-01-02 00:00", "second"), 86400);
  EXPECT_EQ(time_of("1970-01-01T01:02:03", "second"), 3723);
  EXPECT_EQ(time_of("42.5", "number"), 42.5);
  EXPECT_TRUE(parses("2020-02-29"));
  for (const char* bad :
       {"2021-02-29", "1900-02-29", "2021-13", "2021-00-10", "2021-04-31", "2021-1-05", "2021-01-01 24:00",
        "2021-01-01 10:60", "2021-01-01 10:00:5", "21-01-01", "", "tomorrow", "2021-01-01x", "2021/01/01"})
    EXPECT_FALSE(parses(bad)) << bad;
}

TEST(TimeSeriesFormat, EvenRowsReadAsTheyAre) {
  const auto series = mf::read_time_series(mf::parse_csv("t,v,w\n2001-01,1,10\n2001-02,2,20\n2001-03,4,40\n", "s.csv"),
                                           "t", {"w", "v"}, mf::GapPolicy::error, "s.csv");
  EXPECT_EQ(series.rows, 3);
  EXPECT_EQ(series.unit, "month");
  EXPECT_EQ(series.step, 1);
  EXPECT_EQ(series.values, (std::vector<double>{10, 1, 20, 2, 40, 4}));
  EXPECT_EQ(series.gaps, 0);
}

TEST(TimeSeriesFormat, GapsAreRefusedFilledOrIgnored) {
  const std::string csv = "t,v\n2001-01-01,1\n2001-01-02,2\n2001-01-05,8\n2001-01-06,9\n";
  EXPECT_EQ(series_error(csv),
            "s.csv: line 4: a gap between '2001-01-02' and '2001-01-05': 3 days where rows are "
            "1 day apart (gaps: fill interpolates the missing rows, ignore uses the rows as they are)");
  const auto filled = mf::read_time_series(mf::parse_csv(csv, "s.csv"), "t", {"v"}, mf::GapPolicy::fill, "s.csv");
  EXPECT_EQ(filled.values, (std::vector<double>{1, 2, 4, 6, 8, 9}));  // 2 + (8 - 2) * 1/3, * 2/3
  EXPECT_EQ(filled.filled_rows, 2);
  EXPECT_EQ(filled.gaps, 1);
  EXPECT_EQ(filled.times[2], "");
  const auto ignored = mf::read_time_series(mf::parse_csv(csv, "s.csv"), "t", {"v"}, mf::GapPolicy::ignore, "s.csv");
  EXPECT_EQ(ignored.values, (std::vector<double>{1, 2, 8, 9}));
  EXPECT_EQ(ignored.gaps, 1);
  // More rows to invent than were read is no longer filling a gap.
  EXPECT_NE(series_error("t,v\n0,1\n1,2\n9,3\n", mf::GapPolicy::fill).find("too long to fill"), std::string::npos);
  // Found by fuzz_timeseries: a gap of ~1e107 steps once overflowed the count of rows to fill.
  EXPECT_NE(series_error("t,v\n1.5,1\n10,2\n" + std::string(110, '2') + ".,0\n", mf::GapPolicy::fill)
                .find("too long to fill"),
            std::string::npos);
  EXPECT_NE(series_error("t,v\n-1e308,1\n1e308,2\n", mf::GapPolicy::ignore).find("too far from the previous row"),
            std::string::npos);
}

TEST(TimeSeriesFormat, BadSeriesAreOneLineNamingTheLine) {
  EXPECT_EQ(series_error("t,v\n2001-01-02,1\n2001-01-01,2\n"),
            "s.csv: line 3: time '2001-01-01' is not after the previous row's '2001-01-02' (rows must be in time "
            "order, each time once)");
  EXPECT_NE(series_error("t,v\n1,1\n1,2\n").find("line 3: time '1' is not after"), std::string::npos);
  EXPECT_EQ(series_error("t,v\n2001-01,1\n2001-01-02,2\n"),
            "s.csv: line 3, column 't': '2001-01-02' is a day but the first row's time is a month");
  EXPECT_EQ(series_error("t,v\n0,1\n2,2\n5,3\n"),
            "s.csv: line 4: the time between '2' and '5' is no whole number of steps of 2 (the smallest "
            "difference between rows)");
  EXPECT_EQ(series_error("t,v\n2001-01,1\n2001-02,\n"), "s.csv: line 3, column 'v': empty cell (a missing value)");
  EXPECT_EQ(series_error("t,v\n2001-01,1\n2001-02,x\n"), "s.csv: line 3, column 'v': not a number: 'x'");
  EXPECT_NE(series_error("t,v\nsoon,1\n0,2\n").find("line 2, column 't': not a time"), std::string::npos);
  EXPECT_NE(series_error("t,v\n0,1\n").find("at least 2 rows, the file has 1"), std::string::npos);
  EXPECT_NE(series_error("t,v\n0,1\n1,2\n", mf::GapPolicy::error, {"w"}).find("no column 'w'"), std::string::npos);
}

}  // namespace
