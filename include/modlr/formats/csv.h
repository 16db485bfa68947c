#pragma once
/// Comma-separated values (RFC 4180, with the tolerances real files need), parsed into text
/// cells; no torch. Every failure throws modlr::Error with one line naming the source and
/// the line (and the column where there is one).
///
/// Rules:
///   - The first record is the header: the column names (must be distinct).
///   - Records end at LF or CRLF outside quotes; a CR not followed by LF outside quotes is
///     an error. A UTF-8 byte-order mark before the header is skipped. Blank lines (no
///     character at all before the line end) are skipped, as Python's csv.DictReader does.
///   - A field that starts with `"` is quoted: it runs to the next `"` not doubled (`""`
///     stands for one `"`) and may hold commas, CR and LF. After its closing quote only a
///     comma or the record's end may follow. A quote inside an unquoted field is an
///     ordinary character (as Python's csv module reads it).
///   - No trimming: spaces belong to the cell.
///   - Every data record has as many fields as the header ("ragged" rows are errors).
/// The twin (reference/modlr_twin/tabular.py) reads with Python's csv module (strict=True),
/// which agrees with these rules on every file they accept.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "modlr/formats/file_bytes.h"
#include "modlr/formats/seekable_file.h"

namespace modlr::formats {

struct CsvTable {
  std::vector<std::string> header;
  /// The 1-based line of the header (1 unless blank lines precede it).
  int64_t header_line = 1;
  /// rows[i][j]: column j of data row i (unquoted text); rows[i].size() == header.size().
  std::vector<std::vector<std::string>> rows;
  /// lines[i]: the 1-based line of the file on which data row i starts.
  std::vector<int64_t> lines;
  /// Index of the column named `name`, or -1 when the header has none.
  int64_t column(const std::string& name) const;
};

/// Parses `text` (the whole file). Errors ("<source_name>: line L: ...") for: no header
/// (empty input or only blank lines), duplicate column names, a ragged row, a quoted field
/// that never closes (naming the line it opened on), a character after a closing quote, a
/// bare CR. A header without data rows parses (rows empty); callers decide if that is bad.
CsvTable parse_csv(const std::string& text, const std::string& source_name);

/// The index of the column named `name`; otherwise throws modlr::Error "<source>: line L: no
/// column 'name' (named by <named_by>); the header has: 'a', 'b', ...", L the header's line,
/// the parenthesis only when `named_by` (the config key that names the column) is given.
size_t require_column(const CsvTable& table, const std::string& name, const std::string& source,
                      const std::string& named_by = "");

/// parse_csv of read_file_bytes(path) (so gzipped or raw), errors naming `path`.
CsvTable read_csv(const std::string& path, const DecodeLimits& limits = {});

/// Where each data record of a CSV file lies, for reading records one at a time later
/// (read_csv_record) without holding the file: `table` has the header, header_line and
/// lines, but no rows.
struct CsvIndex {
  CsvTable table;
  std::vector<uint64_t> offsets;  ///< record i is the bytes [offsets[i], ends[i]) of the content
  std::vector<uint64_t> ends;
  size_t size() const { return offsets.size(); }
};

/// Reads `file` record by record in bounded memory (a few MiB whatever its size), with the
/// rules and errors of parse_csv, calling `visit(table, fields, i)` for each data record i
/// (`table`: the header and the lines so far; visit may be empty, and may throw to reject a
/// record). A header without data records gives an empty index. The file is read
/// `chunk_bytes` at a time (tests and the fuzz target use tiny chunks).
using CsvVisit = std::function<void(const CsvTable& table, const std::vector<std::string>& fields, size_t record)>;
CsvIndex index_csv(const SeekableFile& file, const CsvVisit& visit, size_t chunk_bytes = size_t{4} << 20);

/// The fields of data record `record` of an index_csv index, read again from `file`.
std::vector<std::string> read_csv_record(const SeekableFile& file, const CsvIndex& index, size_t record);

/// A numeric cell: `[+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?` with D a decimal digit, nothing else
/// (no spaces, no inf/nan, no hex), converted correctly rounded to the nearest double (as
/// Python's float() does). False for anything else, including values that overflow.
bool parse_number(const std::string& cell, double& value);

/// `cell` fit for a one-line message: quoted, control bytes and non-ASCII escaped as \xNN,
/// cut after 40 bytes with "...".
std::string quote_cell(const std::string& cell);

}  // namespace modlr::formats
