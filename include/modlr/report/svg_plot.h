#pragma once
/// Plots as standalone inline SVG text (no torch, no scripts, no external fonts or
/// files): line plots with optional bands, box plots and grouped bar charts, each with a
/// title, labelled axes with "nice" ticks and a legend. Every text is XML-escaped, so run
/// labels and paths can go in as they are.
#include <string>
#include <utility>
#include <vector>

namespace modlr::report {

/// One line of a line plot; x and y of equal length (NaN y values break the line).
struct Series {
  std::string label, color;  ///< color: any CSS color
  std::vector<double> x, y;
  std::vector<double> lower{}, upper{};  ///< a shaded band from lower to upper, if not empty
  double stroke_width = 2;
  double opacity = 1;
  bool in_legend = true;  ///< thin per-seed lines stay out of the legend
  std::string dash{};     ///< SVG stroke-dasharray ("6 3"): keeps identical curves apart
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  int width = 460, height = 300;
  bool integer_x = false;  ///< x ticks on whole numbers only (epochs)
};
/// Throws modlr::Error if a series has x and y (or band) of different lengths.
std::string line_plot_svg(const LinePlot& plot);

/// One box: quartiles (linear interpolation), median line, whiskers to the most extreme
/// values within 1.5 IQR of the box (Tukey), values beyond as open circles, and every
/// value as a small dot so that five seeds stay visible as five points.
struct Box {
  std::string label, color;
  std::vector<double> values;  ///< at least one
};
struct BoxPlot {
  std::string title, y_label;
  std::vector<Box> boxes;
  int width = 460, height = 300;
};
std::string box_plot_svg(const BoxPlot& plot);

/// Bars grouped by category (e.g. workload), one bar per series (e.g. framework), with an
/// error bar of +-`error` (skipped when 0) and the value written above the bar. The y axis
/// starts at zero so bar heights compare honestly.
struct Bar {
  std::string label, color;
  double value = 0, error = 0;
};
struct BarCategory {
  std::string label;
  std::vector<Bar> bars;
};
struct BarChart {
  std::string title, y_label;
  std::vector<BarCategory> categories;
  int width = 460, height = 300;
};
std::string bar_chart_svg(const BarChart& chart);

/// One point of a scatter plot: filled, or hollow (e.g. a pruned trial). Points with a
/// non-finite coordinate are left out.
struct ScatterPoint {
  double x = 0, y = 0;
  std::string color;
  bool hollow = false;
};
struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<ScatterPoint> points;
  std::vector<std::pair<std::string, std::string>> legend;  ///< label, color
  int width = 460, height = 300;
};
std::string scatter_plot_svg(const ScatterPlot& plot);

/// About `target` round tick values (1, 2, 2.5 or 5 times a power of ten) covering
/// [lo, hi]; lo == hi is widened. The first tick <= lo, the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
/// `text` with & < > " ' escaped for XML/HTML.
std::string escape_xml(const std::string& text);
/// The i-th color of a color-blind-safe palette (Okabe-Ito), cycling.
std::string palette_color(size_t i);

}  // namespace modlr::report
