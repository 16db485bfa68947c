#pragma once
/// Renderings of a Comparison (no torch): the same tables as aligned terminal text or as
/// Markdown, and the whole comparison as JSON. The HTML report renders the same tables.
#include <string>
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

/// Columns padded to their widest cell, a rule under the header, the title above.
std::string render_text(const Table& table);
/// A GitHub-flavoured Markdown table under a "### title" heading.
std::string render_markdown(const Table& table);

/// All tables as text (terminal) or Markdown, followed by the notes.
std::string format_text(const Comparison& c);
std::string format_markdown(const Comparison& c);
/// Structured JSON: groups, statistics (with per-run values), tests, curves, notes. NaN
/// (e.g. the standard deviation of one run) is written as null.
std::string format_json(const Comparison& c);

/// Number formatting shared by every rendering: `digits` after the point for ordinary
/// magnitudes, scientific for tiny ones; NaN as "-".
std::string format_number(double value, int digits = 4);

}  // namespace modlr::compare
