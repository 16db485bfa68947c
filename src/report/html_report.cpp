#include "modlr/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <sstream>

#include "modlr/compare/format.h"
#include "modlr/report/svg_plot.h"

namespace modlr::report {
namespace {

using compare::RunGroup;
using Indices = std::vector<size_t>;

const char* const kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 16px 0 6px; } .meta { color: #666; font-size: 13px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plots svg { border: 1px solid #ddd; background: #fff; font-family: inherit; }
table { border-collapse: collapse; font-size: 12px; margin: 4px 0 12px; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f0f0f0; } .notes li { font-size: 13px; color: #8a4b00; }
)";

// Groups with the same label (the same framework in several workloads) share a color.
std::string color_of(const std::vector<RunGroup>& groups, size_t g) {
  size_t first = 0;
  while (groups[first].label != groups[g].label) ++first;
  return palette_color(first);
}

std::string html_table(const compare::Table& t) {
  std::string out = "<h3>" + escape_xml(t.title) + "</h3>\n<table>\n" + table_row(t.header, "th");
  for (const auto& row : t.rows) out += table_row(row, "td");
  return out + "</table>\n";
}

// Seeds as thin lines, then the group's mean with a min-max band on top.
void add_curve_series(const RunGroup& g, const std::string& color, const std::string& dash, const std::string& key,
                      LinePlot& plot) {
  for (const auto& run : g.runs)
    if (!run.curves.count(key)) return;  // e.g. no validation split: no such plot
  std::vector<std::vector<double>> curves;
  std::vector<double> epochs;
  for (const auto& run : g.runs) {
    const auto found = run.curves.find(key);
    plot.series.push_back({g.label + " seed " + std::to_string(run.seed),
                           color,
                           found->second.epochs,
                           found->second.values,
                           {},
                           {},
                           1,
                           0.35,
                           false,
                           dash});
    curves.push_back(found->second.values);
    if (epochs.empty() || found->second.epochs.size() < epochs.size()) epochs = found->second.epochs;
  }
  Series mean{g.label + " (mean, min-max)", color, epochs, {}, {}, {}, 2.5, 1, true, dash};
  for (size_t e = 0; e < epochs.size(); ++e) {
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (const auto& c : curves) sum += c[e], lo = std::min(lo, c[e]), hi = std::max(hi, c[e]);
    mean.y.push_back(sum / static_cast<double>(curves.size()));
    mean.lower.push_back(lo);
    mean.upper.push_back(hi);
  }
  plot.series.push_back(mean);
}

std::string curves_section(const std::vector<RunGroup>& groups, const Indices& members) {
  std::string out = "<div class=\"plots\">\n";
  for (const char* split : {"train", "validation"})
    for (const char* metric : {"accuracy", "loss"}) {
      const std::string key = std::string(split) + "/" + metric;
      LinePlot plot{std::string(split) + " " + metric, "epoch", metric, {}, 460, 300, true};
      // Later groups dashed: curves that coincide (a twin's bitwise-equal run) stay visible.
      const char* dashes[] = {"", "7 4", "2 3", "9 3 2 3"};
      for (size_t i = 0; i < members.size(); ++i)
        add_curve_series(groups[members[i]], color_of(groups, members[i]), dashes[i % 4], key, plot);
      if (!plot.series.empty()) out += line_plot_svg(plot);
    }
  return out + "</div>\n";
}

std::string times_section(const std::vector<RunGroup>& groups, const Indices& members) {
  std::string out = "<div class=\"plots\">\n";
  for (const auto& [key, title] : std::vector<std::pair<std::string, std::string>>{
           {"train.seconds", "training time"}, {"test.seconds", "inference time (test set)"}}) {
    BoxPlot plot{title, "seconds", {}};
    for (size_t g : members) {
      Box box{groups[g].label, color_of(groups, g), {}};
      for (const auto& run : groups[g].runs)
        if (run.values.count(key)) box.values.push_back(run.values.at(key));
      if (!box.values.empty()) plot.boxes.push_back(box);
    }
    if (!plot.boxes.empty()) out += box_plot_svg(plot);
  }
  return out + "</div>\n";
}

std::string headline_metric(const std::vector<RunGroup>& groups) {
  for (const char* key : {"test.accuracy", "test.r2"}) {
    bool everywhere = true;
    for (const auto& g : groups)
      for (const auto& run : g.runs) everywhere = everywhere && run.values.count(key);
    if (everywhere) return key;
  }
  return "";
}

std::string bar_section(const std::vector<RunGroup>& groups, const std::vector<std::string>& workloads,
                        const std::map<std::string, Indices>& by_workload) {
  const auto key = headline_metric(groups);
  if (key.empty()) return "<p>No headline metric (test accuracy or R^2) common to all runs.</p>\n";
  BarChart chart{key == "test.accuracy" ? "test accuracy per workload" : "test R^2 per workload",
                 key == "test.accuracy" ? "accuracy" : "R^2",
                 {},
                 std::max<int>(460, 160 * workloads.size())};
  for (const auto& w : workloads) {
    BarCategory category{w, {}};
    for (size_t g : by_workload.at(w)) {
      std::vector<double> values;
      for (const auto& run : groups[g].runs) values.push_back(run.values.at(key));
      const auto s = compare::summarize(values);
      category.bars.push_back({groups[g].label, color_of(groups, g), s.mean, std::isnan(s.stddev) ? 0 : s.stddev});
    }
    chart.categories.push_back(category);
  }
  return "<div class=\"plots\">\n" + bar_chart_svg(chart) + "</div>\n";
}

std::string environment_section(const std::vector<RunGroup>& groups) {
  const std::vector<std::string> keys = {"modlr_version", "torch_version", "device", "threads",
                                         "blas",          "onednn",        "cpu",    "git_commit"};
  std::vector<std::string> header = {"group", "run", "seed", "epochs", "train s", "test s", "test accuracy"};
  header.insert(header.end(), keys.begin(), keys.end());
  std::string out = "<table>\n" + table_row(header, "th");
  for (const auto& g : groups)
    for (const auto& run : g.runs) {
      auto value = [&](const char* key) {
        return run.values.count(key) ? compare::format_number(run.values.at(key)) : "-";
      };
      std::vector<std::string> row = {g.label,
                                      run.run_id,
                                      std::to_string(run.seed),
                                      std::to_string(run.epochs),
                                      value("train.seconds"),
                                      value("test.seconds"),
                                      value("test.accuracy")};
      for (const auto& key : keys) {
        std::string text = run.environment.count(key) ? run.environment.at(key) : "-";
        if (key == "git_commit" && text.size() > 12) text.replace(12, std::string::npos, "...");  // enough to find it
        row.push_back(text);
      }
      out += table_row(row, "td");
    }
  return out + "</table>\n";
}

std::string header_section(const std::vector<RunGroup>& groups, const std::string& title) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", &utc);
  std::string out =
      "<h1>" + escape_xml(title) + "</h1>\n<p class=\"meta\">generated " + stamp + " by modlr report; groups: ";
  for (size_t g = 0; g < groups.size(); ++g)
    out += (g ? ", " : "") + escape_xml(groups[g].label) + " (" + std::to_string(groups[g].runs.size()) +
           " runs from " + escape_xml(groups[g].spec) + ")";
  return out + "</p>\n";
}

}  // namespace

const char* report_style() { return kStyle; }

std::string table_row(const std::vector<std::string>& cells, const char* tag) {
  std::string out = "<tr>";
  for (const auto& c : cells) out += std::string("<") + tag + ">" + escape_xml(c) + "</" + tag + ">";
  return out + "</tr>\n";
}

std::string html_report(const std::vector<RunGroup>& groups, const compare::Comparison& comparison,
                        const std::string& title) {
  std::vector<std::string> workloads;
  std::map<std::string, Indices> by_workload;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!by_workload.count(groups[g].workload())) workloads.push_back(groups[g].workload());
    by_workload[groups[g].workload()].push_back(g);
  }
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escape_xml(title)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
      << header_section(groups, title);
  for (const auto& w : workloads) {
    out << "<h2>" << escape_xml(w) << ": training curves</h2>\n" << curves_section(groups, by_workload[w]);
    out << "<h2>" << escape_xml(w) << ": time per run</h2>\n" << times_section(groups, by_workload[w]);
  }
  out << "<h2>Headline metric</h2>\n" << bar_section(groups, workloads, by_workload);
  out << "<h2>Statistics</h2>\n";
  for (const auto& table : compare::comparison_tables(comparison)) out << html_table(table);
  if (!comparison.notes.empty()) {
    out << "<ul class=\"notes\">\n";
    for (const auto& note : comparison.notes) out << "<li>" << escape_xml(note) << "</li>\n";
    out << "</ul>\n";
  }
  out << "<h2>Runs and environment</h2>\n" << environment_section(groups) << "</body>\n</html>\n";
  return out.str();
}

}  // namespace modlr::report
