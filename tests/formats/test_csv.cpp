#include <gtest/gtest.h>

#include <zlib.h>

#include "modlr/core/error.h"
#include "modlr/formats/csv.h"
#include "test_support.h"

using modlr::formats::parse_csv;
using modlr::formats::parse_number;
namespace mt = modlr::testing;

namespace {

using Rows = std::vector<std::vector<std::string>>;

// The one-line error parse_csv gives for `text`, or "" when it parses.
std::string csv_error(const std::string& text) {
  try {
    parse_csv(text, "t.csv");
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Csv, HeaderRowsAndLines) {
  const auto t = parse_csv("a,b,c\n1,2,3\n4,5,6\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t.rows, (Rows{{"1", "2", "3"}, {"4", "5", "6"}}));
  EXPECT_EQ(t.lines, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.column("c"), 2);
  EXPECT_EQ(t.column("d"), -1);
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndNewlines) {
  const auto t = parse_csv("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"two\nlines\",x\nlast,\"\"\n", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"Smith, J", "said \"hi\""}, {"two\nlines", "x"}, {"last", ""}}));
  EXPECT_EQ(t.lines, (std::vector<int64_t>{2, 3, 5}));  // the quoted newline counts as a line
}

TEST(Csv, CrlfEmptyCellsNoFinalNewlineAndTrailingComma) {
  const auto t = parse_csv("a,b,c\r\n1,,3\r\n,,\r\n7,8,", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"1", "", "3"}, {"", "", ""}, {"7", "8", ""}}));
  EXPECT_EQ(t.lines, (std::vector<int64_t>{2, 3, 4}));
}

TEST(Csv, ByteOrderMarkBlankLinesAndSpacesKept) {
  const auto t = parse_csv("\xEF\xBB\xBF\na, b\n\n 1,2 \r\n\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", " b"}));
  EXPECT_EQ(t.header_line, 2);
  EXPECT_EQ(t.rows, (Rows{{" 1", "2 "}}));
  EXPECT_EQ(t.lines, (std::vector<int64_t>{4}));
}

TEST(Csv, QuoteInsideAnUnquotedFieldIsAnOrdinaryCharacter) {
  const auto t = parse_csv("a,b\n5'3\",x\"y\n", "t.csv");  // as Python's csv module reads it
  EXPECT_EQ(t.rows, (Rows{{"5'3\"", "x\"y"}}));
}

TEST(Csv, HeaderOnlyParsesWithNoRows) {
  const auto t = parse_csv("a,b\n", "t.csv");
  EXPECT_EQ(t.header.size(), 2u);
  EXPECT_TRUE(t.rows.empty());
}

TEST(Csv, ErrorsNameSourceAndLine) {
  EXPECT_EQ(csv_error(""), "t.csv: empty file (no header row)");
  EXPECT_EQ(csv_error("\n\r\n"), "t.csv: empty file (no header row)");
  EXPECT_EQ(csv_error("a,b,a\n"), "t.csv: line 1: column name 'a' appears twice in the header (columns 1 and 3)");
  EXPECT_EQ(csv_error("a,b\n1,2\n3\n"), "t.csv: line 3: 1 fields, but the header has 2 columns");
  EXPECT_EQ(csv_error("a,b\n1,2,3\n"), "t.csv: line 2: 3 fields, but the header has 2 columns");
  EXPECT_EQ(csv_error("a,b\n1,\"2\n\n3\n"), "t.csv: line 2: quoted field never closed (a '\"' is missing)");
  EXPECT_EQ(csv_error("a,b\n\"1\"x,2\n"),
            "t.csv: line 2: character 'x' after a closing quote (expected ',' or the line end)");
  EXPECT_EQ(csv_error("a,b\r1,2\n"),
            "t.csv: line 1: carriage return without a line feed (only LF and CRLF line ends are read)");
}

TEST(Csv, ReadsGzippedAndRawFilesAlike) {
  mt::TempDir dir;
  const std::string text = "x,y\n1.5,\"a,b\"\n";
  mt::write_text(dir.file("raw.csv"), text);
  gzFile gz = gzopen(dir.file("packed.csv.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  const auto raw = modlr::formats::read_csv(dir.file("raw.csv"));
  const auto packed = modlr::formats::read_csv(dir.file("packed.csv.gz"));
  EXPECT_EQ(raw.rows, packed.rows);
  EXPECT_EQ(packed.rows, (Rows{{"1.5", "a,b"}}));
  try {
    modlr::formats::read_csv(dir.file("missing.csv"));
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("missing.csv")), std::string::npos) << e.what();
  }
}

TEST(Csv, NumbersAreDecimalLiteralsOnly) {
  double v = -1;
  for (const auto& [text, expected] : std::vector<std::pair<std::string, double>>{{"1", 1},
                                                                                  {"-122.23", -122.23},
                                                                                  {"+.5", 0.5},
                                                                                  {"880.", 880},
                                                                                  {"1e3", 1000},
                                                                                  {"2.5E-1", 0.25},
                                                                                  {"-0", -0.0},
                                                                                  {"1e-400", 0},
                                                                                  {"0.1", 0.1}}) {
    ASSERT_TRUE(parse_number(text, v)) << text;
    EXPECT_EQ(v, expected) << text;  // correctly rounded: the same double as the literal
  }
  for (const std::string text : {"", " 1", "1 ", ".", "+", "1e", "1e+", "e5", "inf", "nan", "NaN", "0x10", "1,5",
                                 "1.2.3", "--1", "1e999", "\xEF\xBC\x91"})
    EXPECT_FALSE(parse_number(text, v)) << text;
}

TEST(Csv, QuoteCellEscapesAndCuts) {
  EXPECT_EQ(modlr::formats::quote_cell("abc"), "'abc'");
  EXPECT_EQ(modlr::formats::quote_cell("a\nb\x01"), "'a\\x0ab\\x01'");
  EXPECT_EQ(modlr::formats::quote_cell(std::string(50, 'z')), "'" + std::string(40, 'z') + "'...");
}
