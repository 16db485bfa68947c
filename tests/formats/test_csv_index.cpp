// index_csv reads a CSV in chunks: the records it finds across chunk boundaries must be the
// records parse_csv finds in the whole text. A text holding every tricky case (a byte-order
// mark, a doubled quote, quoted commas and CRLFs, CRLF and LF line ends, blank lines, no
// final line end) is read in chunks of every size from 1 byte to all of it, so some chunk
// ends inside each case.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/formats/csv.h"
#include "modlr/formats/seekable_file.h"
#include "test_support.h"

namespace mf = modlr::formats;
namespace mt = modlr::testing;

namespace {

void expect_same_records(const std::string& path, size_t chunk) {
  const auto text = mt::read_text(path);
  const auto table = mf::parse_csv(text, path);
  const auto file = mf::SeekableFile::open(path, "unused", "");
  size_t visited = 0;
  const auto visit = [&](const mf::CsvTable& t, const std::vector<std::string>& fields, size_t record) {
    EXPECT_EQ(record, visited++);
    EXPECT_EQ(t.header, table.header);
    ASSERT_LT(record, table.rows.size());
    EXPECT_EQ(fields, table.rows[record]);
  };
  const auto index = mf::index_csv(*file, visit, chunk);
  ASSERT_EQ(index.size(), table.rows.size());
  EXPECT_EQ(index.table.header_line, table.header_line);
  EXPECT_EQ(index.table.lines, table.lines);
  for (size_t r = 0; r < table.rows.size(); ++r) EXPECT_EQ(mf::read_csv_record(*file, index, r), table.rows[r]) << r;
}

TEST(CsvIndex, RecordsAcrossChunkBoundariesAreTheWholeTextsRecords) {
  mt::TempDir dir;
  const std::string text =
      "\n\xEF\xBB\xBF"
      "first,second\r\n\r\n\"a\"\"b\r\nc\",x\r\n\n1,\"\"\r\n\"q,\"\"\",\nlast,row";
  mt::write_text(dir.file("table.csv"), text.substr(1));  // the byte-order mark first
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    SCOPED_TRACE(chunk);
    expect_same_records(dir.file("table.csv"), chunk);
  }
  mt::write_text(dir.file("table.csv"), text);  // a blank line before the header
  expect_same_records(dir.file("table.csv"), 3);
  expect_same_records(dir.file("table.csv"), size_t{4} << 20);
}

TEST(CsvIndex, ErrorsNameTheFileAndLineAsParseCsvDoes) {
  mt::TempDir dir;
  mt::write_text(dir.file("ragged.csv"), "a,b\n1,2\n3\n");
  const auto ragged = mf::SeekableFile::open(dir.file("ragged.csv"), "unused", "");
  try {
    mf::index_csv(*ragged, nullptr);
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ragged.csv: line 3: 1 fields, but the header has 2 columns"),
              std::string::npos)
        << e.what();
  }
  mt::write_text(dir.file("open.csv"), "a,b\n1,\"2\n");
  EXPECT_THROW(mf::index_csv(*mf::SeekableFile::open(dir.file("open.csv"), "unused", ""), nullptr), modlr::Error);
  mt::write_text(dir.file("empty.csv"), "\n\n");
  EXPECT_THROW(mf::index_csv(*mf::SeekableFile::open(dir.file("empty.csv"), "unused", ""), nullptr), modlr::Error);
}

}  // namespace
