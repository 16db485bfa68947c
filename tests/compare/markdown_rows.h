#pragma once
// Checks that a Markdown rendering kept its tables intact: untrusted text with a `|` or a
// newline in it would split a cell or a row.
#include <cstddef>
#include <sstream>
#include <string>

namespace modlr::testing {

/// The cells of one Markdown table row: the `|` not escaped by a backslash, less one
/// ("| a | b\|c |" has 2).
inline size_t markdown_cells(const std::string& row) {
  size_t pipes = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\')
      ++i;  // the escaped character
    else if (row[i] == '|')
      ++pipes;
  }
  return pipes == 0 ? 0 : pipes - 1;
}

/// The first line of a table in `markdown` whose cell count differs from its table's
/// header row; empty if there is none. `rows` (if given) receives the number of table lines.
inline std::string ragged_markdown_row(const std::string& markdown, size_t* rows = nullptr) {
  std::istringstream lines(markdown);
  size_t columns = 0, count = 0;
  std::string ragged;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') {
      columns = 0;  // a table ends at the first line that is not a row
      continue;
    }
    if (columns == 0) columns = markdown_cells(line);
    if (markdown_cells(line) != columns && ragged.empty()) ragged = line;
    ++count;
  }
  if (rows) *rows = count;
  return ragged;
}

}  // namespace modlr::testing
