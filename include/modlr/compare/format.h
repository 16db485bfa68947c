#pragma once
/// Renderings of a Comparison (no torch): the same tables as aligned terminal text or as
/// Markdown, and the whole comparison as JSON. The HTML report renders the same tables.
#include <string>
#include <string_view>
#include <vector>

#include "modlr/compare/comparison.h"

namespace modlr::compare {

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// The comparison as titled tables: groups, per-group statistics, pairwise tests, curve
/// distances (the last two only when there is a pair to compare).
std::vector<Table> comparison_tables(const Comparison& c);

/// `text` (a label, workload or run directory from a run record: untrusted) as literal
/// Markdown text, safe in a table cell: escape_text (core/text.h) first, so newlines,
/// control bytes (ESC) and invalid UTF-8 read \xNN and backslashes \\, then a backslash
/// before each of \ ` * _ ~ [ ] < > & | # ! $. Raw HTML, links, emphasis and a `|` that
/// would split the cell all render as the characters they are.
std::string escape_markdown(std::string_view text);

/// Columns padded to their widest cell, a rule under the header, the title above. Every
/// string passes escape_text, so nothing from a run record can move a terminal's cursor.
std::string render_text(const Table& table);
/// A GitHub-flavoured Markdown table under a "### title" heading; every string passes
/// escape_markdown, so each row keeps the header's column count.
std::string render_markdown(const Table& table);

/// All tables as text (terminal) or Markdown, followed by the notes (escaped the same way).
/// An undefined curve distance shows as "n/a (REASON)" (CurveDistance::undefined_reason).
std::string format_text(const Comparison& c);
std::string format_markdown(const Comparison& c);
/// Structured JSON: groups, statistics (with per-run values), tests, curves, notes. NaN
/// (e.g. the standard deviation of one run, an undefined curve distance) is written as
/// null; each curve has "undefined": null or the reason. Strings keep control characters
/// (JSON escapes them); bytes that are not UTF-8 are written as \xNN.
std::string format_json(const Comparison& c);

/// Number formatting shared by every rendering: `digits` after the point for ordinary
/// magnitudes, scientific for tiny ones; NaN as "-".
std::string format_number(double value, int digits = 4);

}  // namespace modlr::compare
