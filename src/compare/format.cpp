#include "modlr/compare/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "modlr/core/text.h"

namespace modlr::compare {
namespace {

std::string metric_label(const std::string& key) {
  for (const auto& m : compared_metrics())
    if (m.key == key) return m.label;
  return key;
}

std::string pair_label(const Comparison& c, size_t a, size_t b) { return c.labels[a] + " vs " + c.labels[b]; }

Table groups_table(const Comparison& c) {
  Table t{"groups", {"group", "framework", "model", "data set", "runs"}, {}};
  for (size_t g = 0; g < c.labels.size(); ++g)
    t.rows.push_back({c.labels[g], c.frameworks[g], c.models[g], c.workloads[g], std::to_string(c.run_counts[g])});
  return t;
}

Table stats_table(const Comparison& c) {
  Table t{"per-group statistics", {"metric", "group", "n", "mean", "median", "std", "min", "max"}, {}};
  for (const auto& s : c.stats) {
    const auto& m = s.summary;
    t.rows.push_back({metric_label(s.metric), c.labels[s.group], std::to_string(m.n), format_number(m.mean),
                      format_number(m.median), format_number(m.stddev), format_number(m.min), format_number(m.max)});
  }
  return t;
}

Table tests_table(const Comparison& c) {
  Table t{
      "Mann-Whitney U (two-sided; p Bonferroni-corrected over each metric's pairs) and "
      "Cliff's delta",
      {"metric", "groups", "U", "p", "method", "p (Bonferroni)", "Cliff's delta", "magnitude"},
      {}};
  for (const auto& x : c.tests)
    t.rows.push_back({metric_label(x.metric), pair_label(c, x.a, x.b), format_number(x.u.u_x, 1), format_number(x.u.p),
                      x.u.exact ? "exact" : "normal", format_number(x.p_corrected), format_number(x.delta, 3),
                      x.magnitude});
  return t;
}

Table curves_table(const Comparison& c) {
  Table t{"training-accuracy curves: normalised DTW (mean |gap| per aligned epoch)",
          {"groups", "mean curves", "seed pairs: mean", "max", "pairs"},
          {}};
  for (const auto& d : c.curves) {
    if (!d.defined()) {
      t.rows.push_back({pair_label(c, d.a, d.b), "n/a (" + d.undefined_reason + ")", "-", "-", "-"});
      continue;
    }
    t.rows.push_back({pair_label(c, d.a, d.b), format_number(d.mean_curves), format_number(d.pairs_mean),
                      format_number(d.pairs_max), std::to_string(d.pairs) + (d.by_seed ? " (same seed)" : " (all)")});
  }
  return t;
}

// Tables hold strings as the run records have them (labels, workloads, run directories);
// each rendering escapes every cell for its own medium.
Table escaped(const Table& table, std::string (*escape)(std::string_view)) {
  Table out{escape(table.title), {}, {}};
  for (const auto& h : table.header) out.header.push_back(escape(h));
  for (const auto& row : table.rows) {
    out.rows.emplace_back();
    for (const auto& cell : row) out.rows.back().push_back(escape(cell));
  }
  return out;
}

std::string render_all(const Comparison& c, std::string (*render)(const Table&),
                       std::string (*escape)(std::string_view), const std::string& notes_prefix) {
  std::string out;
  for (const auto& table : comparison_tables(c)) out += render(table) + "\n";
  for (const auto& note : c.notes) out += notes_prefix + escape(note) + "\n";
  return out;
}

nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

nlohmann::ordered_json curves_json(const Comparison& c) {
  auto curves = nlohmann::ordered_json::array();
  for (const auto& d : c.curves) {
    nlohmann::ordered_json undefined;  // null while defined
    if (!d.defined()) undefined = d.undefined_reason;
    curves.push_back({{"curve", "train/accuracy"},
                      {"a", c.labels[d.a]},
                      {"b", c.labels[d.b]},
                      {"dtw_mean_curves", number(d.mean_curves)},
                      {"dtw_pairs_mean", number(d.pairs_mean)},
                      {"dtw_pairs_max", number(d.pairs_max)},
                      {"pairs", d.pairs},
                      {"pairing", d.by_seed ? "seed" : "all"},
                      {"undefined", undefined}});
  }
  return curves;
}

// JSON must be UTF-8 (nlohmann throws on anything else when dumping, an error naming
// nothing): invalid bytes in labels, workloads or run directories become \xNN. Control
// characters stay; nlohmann writes them as \u00NN.
void make_utf8(nlohmann::ordered_json& j) {
  if (j.is_string())
    j = escape_invalid_utf8(j.get_ref<const std::string&>());
  else if (j.is_structured())
    for (auto& child : j) make_utf8(child);
}

}  // namespace

std::string format_number(double value, int digits) {
  if (std::isnan(value)) return "-";
  char buffer[64];
  if (value != 0 && std::abs(value) < 1e-3)
    std::snprintf(buffer, sizeof buffer, "%.2e", value);
  else
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::vector<Table> comparison_tables(const Comparison& c) {
  std::vector<Table> tables{groups_table(c), stats_table(c)};
  if (!c.tests.empty()) tables.push_back(tests_table(c));
  if (!c.curves.empty()) tables.push_back(curves_table(c));
  return tables;
}

std::string escape_markdown(std::string_view text) {
  // Every character with an inline meaning in (GitHub-flavoured) Markdown: escapes, code,
  // emphasis, strikethrough, links and images, raw HTML, entities, table cells, headings,
  // math. Block-level markers (-, +, 1.) need none: cells and notes never start a line.
  static constexpr std::string_view special = "\\`*_~[]<>&|#!$";
  std::string out;
  for (char c : escape_text(text)) {
    if (special.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string render_text(const Table& table) {
  const Table shown = escaped(table, escape_text);
  std::vector<size_t> widths(shown.header.size(), 0);
  for (size_t i = 0; i < widths.size(); ++i) widths[i] = shown.header[i].size();
  for (const auto& row : shown.rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i)
      text += cells[i] + (i + 1 < cells.size() ? std::string(widths[i] - cells[i].size() + 2, ' ') : "");
    out << text << "\n";
  };
  out << shown.title << "\n";
  line(shown.header);
  size_t total = 0;
  for (size_t w : widths) total += w + 2;
  out << std::string(total - 2, '-') << "\n";
  for (const auto& row : shown.rows) line(row);
  return out.str();
}

std::string render_markdown(const Table& table) {
  const Table shown = escaped(table, escape_markdown);
  std::ostringstream out;
  out << "### " << shown.title << "\n\n|";
  for (const auto& h : shown.header) out << " " << h << " |";
  out << "\n|";
  for (size_t i = 0; i < shown.header.size(); ++i) out << " --- |";
  out << "\n";
  for (const auto& row : shown.rows) {
    out << "|";
    for (const auto& cell : row) out << " " << cell << " |";
    out << "\n";
  }
  return out.str();
}

std::string format_text(const Comparison& c) { return render_all(c, render_text, escape_text, "note: "); }
std::string format_markdown(const Comparison& c) { return render_all(c, render_markdown, escape_markdown, "- note: "); }

std::string format_json(const Comparison& c) {
  nlohmann::ordered_json j;
  for (size_t g = 0; g < c.labels.size(); ++g)
    j["groups"].push_back({{"label", c.labels[g]},
                           {"framework", c.frameworks[g]},
                           {"model", c.models[g]},
                           {"workload", c.workloads[g]},
                           {"runs", c.run_counts[g]}});
  j["statistics"] = nlohmann::ordered_json::array();
  for (const auto& s : c.stats) {
    const auto& m = s.summary;
    j["statistics"].push_back({{"metric", s.metric},
                               {"group", c.labels[s.group]},
                               {"n", m.n},
                               {"mean", m.mean},
                               {"median", m.median},
                               {"std", number(m.stddev)},
                               {"min", m.min},
                               {"max", m.max},
                               {"q1", m.q1},
                               {"q3", m.q3},
                               {"values", s.values}});
  }
  j["tests"] = nlohmann::ordered_json::array();
  for (const auto& t : c.tests)
    j["tests"].push_back({{"metric", t.metric},
                          {"a", c.labels[t.a]},
                          {"b", c.labels[t.b]},
                          {"u", t.u.u_x},
                          {"p", t.u.p},
                          {"exact", t.u.exact},
                          {"z", t.u.z},
                          {"comparisons", t.comparisons},
                          {"p_bonferroni", t.p_corrected},
                          {"cliffs_delta", t.delta},
                          {"magnitude", t.magnitude}});
  j["curves"] = curves_json(c);
  j["notes"] = c.notes;
  make_utf8(j);
  return j.dump(2) + "\n";
}

}  // namespace modlr::compare
