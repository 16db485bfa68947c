#include "modlr/formats/csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "modlr/core/error.h"
#include "modlr/core/interrupt.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::formats {
namespace {

// A cursor over the text that hands out one record (its fields) at a time.
class RecordReader {
 public:
  /// `text` starts on line `first_line`. Unless `final`, more text may follow it (a chunk of
  /// a file read in pieces): a record that runs into the end of `text` throws NeedMore.
  RecordReader(const std::string& text, const std::string& source, int64_t first_line = 1, bool final = true,
               bool file_start = true)
      : text_(text), source_(source), line_(first_line), final_(final) {
    if (file_start && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 byte-order mark
  }

  /// Thrown by a reader that is not final when a record may go on past its text.
  struct NeedMore {};

  /// The next record's fields and the line it starts on; false at the end of the text.
  bool next(std::vector<std::string>& fields, int64_t& start_line) {
    skip_blank_lines();
    if (at_end()) return false;
    start_line = line_;
    record_start_ = pos_;
    fields.clear();
    for (;;) {
      std::string field;
      if (!at_end() && text_[pos_] == '"') {
        read_quoted(field);
      } else {
        read_plain(field);
      }
      fields.push_back(std::move(field));
      if (at_end()) {
        if (!final_) throw NeedMore{};
        return true;
      }
      if (text_[pos_] != ',') break;
      ++pos_;
    }
    end_line();
    return true;
  }

  [[noreturn]] void fail(int64_t line, const std::string& what) const {
    throw Error(source_ + ": line " + std::to_string(line) + ": " + what);
  }

  /// Where the last record began, where reading stopped, and the line there.
  size_t record_start() const { return record_start_; }
  size_t position() const { return pos_; }
  int64_t line() const { return line_; }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  bool at_crlf() const { return text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n'; }
  // A CR as the last byte of a chunk: its LF may be in the next one.
  void need_more_after_cr() const {
    if (!final_ && text_[pos_] == '\r' && pos_ + 1 == text_.size()) throw NeedMore{};
  }

  void skip_blank_lines() {
    while (!at_end()) {
      need_more_after_cr();
      if (text_[pos_] == '\n') {
        pos_ += 1;
      } else if (at_crlf()) {
        pos_ += 2;
      } else {
        return;
      }
      ++line_;
    }
  }

  // At a record's end (not the text's): consumes LF or CRLF; anything else is a bare CR.
  void end_line() {
    need_more_after_cr();
    if (text_[pos_] == '\n') {
      pos_ += 1;
    } else if (at_crlf()) {
      pos_ += 2;
    } else {
      fail(line_, "carriage return without a line feed (only LF and CRLF line ends are read)");
    }
    ++line_;
  }

  void read_plain(std::string& field) {
    const size_t start = pos_;
    while (!at_end() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    field.assign(text_, start, pos_ - start);
  }

  void read_quoted(std::string& field) {
    const int64_t opened = line_;
    ++pos_;  // the opening quote
    for (;;) {
      if (at_end() && !final_) throw NeedMore{};
      if (at_end()) fail(opened, "quoted field never closed (a '\"' is missing)");
      const char c = text_[pos_++];
      if (c == '"') {
        if (at_end() && !final_) throw NeedMore{};
        if (at_end() || text_[pos_] != '"') break;
        ++pos_;  // "" stands for one quote
      } else if (c == '\n') {
        ++line_;
      }
      field += c;
    }
    if (!at_end() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r')
      fail(line_, "character " + quote_cell(std::string(1, text_[pos_])) +
                      " after a closing quote (expected ',' or the line end)");
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  bool final_ = true;
  size_t record_start_ = 0;
};

// Checks a header's names are distinct.
void check_header(const RecordReader& reader, const std::vector<std::string>& header, int64_t line) {
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const auto [it, fresh] = seen.emplace(header[i], i);
    if (!fresh)
      reader.fail(line, "column name " + quote_cell(header[i]) + " appears twice in the header (columns " +
                            std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
  }
}

void check_width(const RecordReader& reader, const std::vector<std::string>& fields, size_t width, int64_t line) {
  if (fields.size() != width)
    reader.fail(line,
                std::to_string(fields.size()) + " fields, but the header has " + std::to_string(width) + " columns");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Advances `i` over digits; returns how many there were.
size_t skip_digits(const std::string& s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i - start;
}

bool has_number_syntax(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = skip_digits(s, i);
  if (i < s.size() && s[i] == '.') {
    ++i;
    digits += skip_digits(s, i);
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (skip_digits(s, i) == 0) return false;
  }
  return i == s.size();
}

}  // namespace

int64_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int64_t>(i);
  return -1;
}

CsvTable parse_csv(const std::string& text, const std::string& source_name) {
  RecordReader reader(text, source_name);
  CsvTable table;
  int64_t line = 0;
  if (!reader.next(table.header, line)) throw Error(source_name + ": empty file (no header row)");
  table.header_line = line;
  check_header(reader, table.header, line);
  std::vector<std::string> fields;
  while (reader.next(fields, line)) {
    if (table.rows.size() % 4096 == 0) throw_if_stop_requested();
    check_width(reader, fields, table.header.size(), line);
    table.rows.push_back(fields);
    table.lines.push_back(line);
  }
  return table;
}

CsvTable read_csv(const std::string& path, const DecodeLimits& limits) {
  const auto bytes = read_file_bytes(path, limits);
  return parse_csv(std::string(bytes.begin(), bytes.end()), path);
}

// A chunk's incomplete last record waits for the next chunk, so memory holds about one
// chunk (or one record, if longer) at a time.
CsvIndex index_csv(const SeekableFile& file, const CsvVisit& visit, size_t chunk_bytes) {
  const uint64_t chunk = std::max<size_t>(chunk_bytes, 1);
  CsvIndex index;
  std::string buffer;
  uint64_t buffer_offset = 0, read_to = 0;
  int64_t line = 1;
  bool have_header = false;
  std::vector<std::string> fields;
  for (bool final = false; !final;) {
    throw_if_stop_requested();
    const auto n = static_cast<size_t>(std::min(chunk, file.size() - read_to));
    buffer += file.read_string(read_to, n);
    read_to += n;
    final = read_to == file.size();
    RecordReader reader(buffer, file.path(), line, final, buffer_offset == 0);
    size_t consumed = 0;
    int64_t consumed_line = line;
    try {
      int64_t record_line = 0;
      while (reader.next(fields, record_line)) {
        if (!have_header) {
          index.table.header = fields;
          index.table.header_line = record_line;
          check_header(reader, fields, record_line);
          have_header = true;
        } else {
          check_width(reader, fields, index.table.header.size(), record_line);
          index.offsets.push_back(buffer_offset + reader.record_start());
          index.ends.push_back(buffer_offset + reader.position());
          index.table.lines.push_back(record_line);
          if (visit) visit(index.table, fields, index.table.lines.size() - 1);
        }
        consumed = reader.position();
        consumed_line = reader.line();
      }
    } catch (const RecordReader::NeedMore&) {
    }
    buffer.erase(0, consumed);
    buffer_offset += consumed;
    line = consumed_line;
  }
  if (!have_header) throw Error(file.path() + ": empty file (no header row)");
  return index;
}

std::vector<std::string> read_csv_record(const SeekableFile& file, const CsvIndex& index, size_t record) {
  const auto text =
      file.read_string(index.offsets[record], static_cast<size_t>(index.ends[record] - index.offsets[record]));
  const auto line = index.table.lines[record];
  RecordReader reader(text, file.path(), line, true, false);
  std::vector<std::string> fields;
  int64_t start = 0;
  if (!reader.next(fields, start)) reader.fail(line, "record is gone (the file changed while it was read?)");
  check_width(reader, fields, index.table.header.size(), line);
  return fields;
}

bool parse_number(const std::string& cell, double& value) {
  if (!has_number_syntax(cell)) return false;
  // strtod rounds correctly (glibc) and, since modlr never calls setlocale, reads '.' as
  // the decimal point. Underflow gives the correctly rounded tiny value or 0, as float().
  const double parsed = std::strtod(cell.c_str(), nullptr);
  if (!std::isfinite(parsed)) return false;
  value = parsed;
  return true;
}

size_t require_column(const CsvTable& table, const std::string& name, const std::string& source,
                      const std::string& named_by) {
  const auto column = table.column(name);
  if (column >= 0) return static_cast<size_t>(column);
  std::string names;  // quoted: a header cell may hold any byte, a message is one line
  for (const auto& h : table.header) names += (names.empty() ? "" : ", ") + quote_cell(h);
  throw Error(source + ": line " + std::to_string(table.header_line) + ": no column " + quote_cell(name) +
              (named_by.empty() ? "" : " (named by " + named_by + ")") + "; the header has: " + names);
}

std::string quote_cell(const std::string& cell) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  for (size_t i = 0; i < cell.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    if (c < 0x20 || c >= 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (cell.size() > kMax ? "'..." : "'");
}

}  // namespace modlr::formats
