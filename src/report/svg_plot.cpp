#include "modlr/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "modlr/compare/stats.h"
#include "modlr/core/error.h"

namespace modlr::report {
namespace {

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

// As many decimals as the tick step needs (0.25 -> 2, 0.5 -> 1, 20 -> 0).
std::string tick_label(double v, double step) {
  int decimals = 0;
  while (decimals < 6) {
    const double scaled = step * std::pow(10, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) break;
    ++decimals;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// The drawing area and the data ranges it maps; y grows upwards in data space.
struct Frame {
  int width, height;
  double left = 62, right = 14, top = 52, bottom = 46;
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * (width - left - right); }
  double py(double y) const { return height - bottom - (y - y_lo) / (y_hi - y_lo) * (height - top - bottom); }
};

std::string text(double x, double y, const std::string& s, const std::string& attributes) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attributes + ">" + escape_xml(s) + "</text>\n";
}

std::string open_svg(const Frame& f, const std::string& title) {
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"" << f.width << "\" height=\"" << f.height
      << "\" viewBox=\"0 0 " << f.width << " " << f.height << "\" role=\"img\">\n"
      << "<title>" << escape_xml(title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      << text(f.width / 2.0, 18, title, "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
  return out.str();
}

// The y axis with grid lines at `ticks`, and an x-axis baseline.
std::string y_axis(Frame& f, const std::vector<double>& ticks, const std::string& label) {
  f.y_lo = ticks.front();
  f.y_hi = ticks.back();
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  std::string out;
  for (double t : ticks) {
    out += "<line x1=\"" + num(f.left) + "\" x2=\"" + num(f.width - f.right) + "\" y1=\"" + num(f.py(t)) + "\" y2=\"" +
           num(f.py(t)) + "\" stroke=\"#e3e3e3\"/>\n";
    out += text(f.left - 6, f.py(t) + 4, tick_label(t, step), "text-anchor=\"end\" font-size=\"11\"");
  }
  const double mid = (f.top + f.height - f.bottom) / 2;
  out += "<text x=\"14\" y=\"" + num(mid) + "\" transform=\"rotate(-90 14 " + num(mid) +
         ")\" text-anchor=\"middle\" font-size=\"12\">" + escape_xml(label) + "</text>\n";
  out += "<line x1=\"" + num(f.left) + "\" x2=\"" + num(f.width - f.right) + "\" y1=\"" + num(f.height - f.bottom) +
         "\" y2=\"" + num(f.height - f.bottom) + "\" stroke=\"#444\"/>\n";
  return out;
}

// The x axis: labels at `ticks` (which set the frame's x range) and the axis label.
std::string x_axis(Frame& f, const std::vector<double>& ticks, const std::string& label) {
  f.x_lo = ticks.front();
  f.x_hi = ticks.back();
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  std::string out;
  for (double t : ticks)
    out += text(f.px(t), f.height - f.bottom + 16, tick_label(t, step), "text-anchor=\"middle\" font-size=\"11\"");
  return out + text((f.left + f.width - f.right) / 2, f.height - 8, label, "text-anchor=\"middle\" font-size=\"12\"");
}

std::string legend(const Frame& f, const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out;
  double x = f.left;
  for (const auto& [label, color] : items) {
    out += "<rect x=\"" + num(x) + "\" y=\"28\" width=\"12\" height=\"12\" fill=\"" + escape_xml(color) + "\"/>\n";
    out += text(x + 16, 38, label, "font-size=\"11\"");
    x += 28 + 6.5 * static_cast<double>(label.size());
  }
  return out;
}

std::pair<double, double> range_of(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  return {lo, hi};
}

std::string polyline(const Frame& f, const std::vector<double>& x, const std::vector<double>& y) {
  std::string points;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(y[i])) points += num(f.px(x[i])) + "," + num(f.py(y[i])) + " ";
  return points;
}

std::string series_svg(const Frame& f, const Series& s) {
  std::string out;
  const std::string color = escape_xml(s.color);
  if (!s.lower.empty()) {
    std::vector<double> xs(s.x), ys(s.upper);
    xs.insert(xs.end(), s.x.rbegin(), s.x.rend());
    ys.insert(ys.end(), s.lower.rbegin(), s.lower.rend());
    out += "<polygon points=\"" + polyline(f, xs, ys) + "\" fill=\"" + color +
           "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
  }
  out += "<polyline points=\"" + polyline(f, s.x, s.y) + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" +
         num(s.stroke_width) + "\" stroke-opacity=\"" + num(s.opacity) + "\"" +
         (s.dash.empty() ? "" : " stroke-dasharray=\"" + escape_xml(s.dash) + "\"") + "/>\n";
  if (s.x.size() <= 30 && s.opacity >= 1)  // markers help short curves (a few epochs)
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i]))
        out += "<circle cx=\"" + num(f.px(s.x[i])) + "\" cy=\"" + num(f.py(s.y[i])) + "\" r=\"2.5\" fill=\"" + color +
               "\"/>\n";
  return out;
}

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string palette_color(size_t i) {
  static const char* colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
  return colors[i % (sizeof colors / sizeof *colors)];
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(lo) * 0.05, 1e-3);
    lo -= pad, hi += pad;
  }
  const double raw = (hi - lo) / std::max(target, 1);
  const double power = std::pow(10, std::floor(std::log10(raw)));
  double step = power * 10;
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (raw <= m * power) {
      step = m * power;
      break;
    }
  // Multiples of the step, rounded to a few digits below it so that 3 * 0.2 prints and
  // compares as 0.6 (dividing by an exact power of ten rounds correctly).
  const double scale = std::pow(10, std::max(0.0, -std::floor(std::log10(step))) + 3);
  std::vector<double> ticks;
  for (double k = std::floor(lo / step); k * step < hi + step * 0.999; ++k)
    ticks.push_back(std::round(k * step * scale) / scale + 0.0);  // + 0.0 turns -0 into 0
  if (ticks.size() < 2) ticks.push_back(ticks.back() + step);
  return ticks;
}

std::string line_plot_svg(const LinePlot& plot) {
  Frame f{plot.width, plot.height};
  std::vector<double> xs, ys;
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& s : plot.series) {
    if (s.x.size() != s.y.size() ||
        (!s.lower.empty() && (s.lower.size() != s.x.size() || s.upper.size() != s.x.size())))
      throw Error("plot '" + plot.title + "': series '" + s.label + "' has x, y or band of different lengths");
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
    ys.insert(ys.end(), s.lower.begin(), s.lower.end());
    ys.insert(ys.end(), s.upper.begin(), s.upper.end());
    if (s.in_legend) items.emplace_back(s.label, s.color);
  }
  const auto [x_lo, x_hi] = range_of(xs);
  const auto [y_lo, y_hi] = range_of(ys);
  auto x_ticks = nice_ticks(x_lo, x_hi, 6);
  if (plot.integer_x && x_ticks.size() > 1 && x_ticks[1] - x_ticks[0] < 1) {
    x_ticks.clear();  // a few epochs: one tick per epoch
    for (double x = std::floor(x_lo); x <= std::max(std::ceil(x_hi), std::floor(x_lo) + 1); ++x) x_ticks.push_back(x);
  }
  std::string out =
      open_svg(f, plot.title) + y_axis(f, nice_ticks(y_lo, y_hi), plot.y_label) + x_axis(f, x_ticks, plot.x_label);
  for (const auto& s : plot.series) out += series_svg(f, s);
  return out + legend(f, items) + "</svg>\n";
}

std::string scatter_plot_svg(const ScatterPlot& plot) {
  Frame f{plot.width, plot.height};
  std::vector<double> xs, ys;
  for (const auto& p : plot.points)
    if (std::isfinite(p.x) && std::isfinite(p.y)) xs.push_back(p.x), ys.push_back(p.y);
  const auto [x_lo, x_hi] = range_of(xs);
  const auto [y_lo, y_hi] = range_of(ys);
  std::string out = open_svg(f, plot.title) + y_axis(f, nice_ticks(y_lo, y_hi), plot.y_label) +
                    x_axis(f, nice_ticks(x_lo, x_hi, 6), plot.x_label);
  for (const auto& p : plot.points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const std::string color = escape_xml(p.color);
    out += "<circle cx=\"" + num(f.px(p.x)) + "\" cy=\"" + num(f.py(p.y)) + "\" r=\"4\" " +
           (p.hollow ? "fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\"" : "fill=\"" + color + "\"") +
           "/>\n";
  }
  return out + legend(f, plot.legend) + "</svg>\n";
}

std::string box_plot_svg(const BoxPlot& plot) {
  Frame f{plot.width, plot.height};
  std::vector<double> all;
  for (const auto& b : plot.boxes) {
    if (b.values.empty()) throw Error("box plot '" + plot.title + "': box '" + b.label + "' has no values");
    all.insert(all.end(), b.values.begin(), b.values.end());
  }
  const auto [lo, hi] = range_of(all);
  std::string out = open_svg(f, plot.title) + y_axis(f, nice_ticks(lo, hi), plot.y_label);
  const double slot = (f.width - f.left - f.right) / std::max<double>(1, plot.boxes.size());
  for (size_t i = 0; i < plot.boxes.size(); ++i) {
    const auto& b = plot.boxes[i];
    const auto s = compare::summarize(b.values);
    const double iqr = s.q3 - s.q1, cx = f.left + slot * (i + 0.5), half = std::min(slot * 0.3, 40.0);
    double whisker_lo = s.q1, whisker_hi = s.q3;
    for (double v : b.values) {
      if (v >= s.q1 - 1.5 * iqr) whisker_lo = std::min(whisker_lo, v);
      if (v <= s.q3 + 1.5 * iqr) whisker_hi = std::max(whisker_hi, v);
    }
    const std::string color = escape_xml(b.color);
    out += "<line x1=\"" + num(cx) + "\" x2=\"" + num(cx) + "\" y1=\"" + num(f.py(whisker_lo)) + "\" y2=\"" +
           num(f.py(whisker_hi)) + "\" stroke=\"" + color + "\"/>\n";
    out += "<rect x=\"" + num(cx - half) + "\" y=\"" + num(f.py(s.q3)) + "\" width=\"" + num(2 * half) +
           "\" height=\"" + num(std::max(1.0, f.py(s.q1) - f.py(s.q3))) + "\" fill=\"" + color +
           "\" fill-opacity=\"0.25\" stroke=\"" + color + "\"/>\n";
    out += "<line x1=\"" + num(cx - half) + "\" x2=\"" + num(cx + half) + "\" y1=\"" + num(f.py(s.median)) +
           "\" y2=\"" + num(f.py(s.median)) + "\" stroke=\"" + color + "\" stroke-width=\"2.5\"/>\n";
    for (size_t k = 0; k < b.values.size(); ++k) {
      const double v = b.values[k];
      const bool outlier = v < whisker_lo || v > whisker_hi;
      const double jitter = (static_cast<double>(k % 5) - 2) * half * 0.15;
      out += "<circle cx=\"" + num(cx + jitter) + "\" cy=\"" + num(f.py(v)) + "\" r=\"" + (outlier ? "4" : "2.5") +
             "\" fill=\"" + (outlier ? "none" : color) + "\" stroke=\"" + color + "\"/>\n";
    }
    out += text(cx, f.height - f.bottom + 16, b.label, "text-anchor=\"middle\" font-size=\"11\"");
  }
  return out + "</svg>\n";
}

std::string bar_chart_svg(const BarChart& chart) {
  Frame f{chart.width, chart.height};
  double hi = 0;
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& c : chart.categories)
    for (const auto& b : c.bars) {
      hi = std::max(hi, b.value + b.error);
      if (std::none_of(items.begin(), items.end(), [&](const auto& i) { return i.first == b.label; }))
        items.emplace_back(b.label, b.color);
    }
  std::string out = open_svg(f, chart.title) + y_axis(f, nice_ticks(0, hi), chart.y_label);
  const double slot = (f.width - f.left - f.right) / std::max<double>(1, chart.categories.size());
  for (size_t i = 0; i < chart.categories.size(); ++i) {
    const auto& c = chart.categories[i];
    const double bar = std::min(slot * 0.8 / std::max<double>(1, c.bars.size()), 60.0);
    double x = f.left + slot * (i + 0.5) - bar * static_cast<double>(c.bars.size()) / 2;
    for (const auto& b : c.bars) {
      const std::string color = escape_xml(b.color);
      out += "<rect x=\"" + num(x + 2) + "\" y=\"" + num(f.py(b.value)) + "\" width=\"" + num(bar - 4) +
             "\" height=\"" + num(f.py(0) - f.py(b.value)) + "\" fill=\"" + color + "\"><title>" +
             escape_xml(b.label + ": " + std::to_string(b.value)) + "</title></rect>\n";
      if (b.error > 0)
        out += "<line x1=\"" + num(x + bar / 2) + "\" x2=\"" + num(x + bar / 2) + "\" y1=\"" +
               num(f.py(b.value - b.error)) + "\" y2=\"" + num(f.py(b.value + b.error)) + "\" stroke=\"#222\"/>\n";
      char label[32];
      std::snprintf(label, sizeof label, "%.4g", b.value);
      out += text(x + bar / 2, f.py(b.value + b.error) - 4, label, "text-anchor=\"middle\" font-size=\"10\"");
      x += bar;
    }
    out +=
        text(f.left + slot * (i + 0.5), f.height - f.bottom + 16, c.label, "text-anchor=\"middle\" font-size=\"11\"");
  }
  return out + legend(f, items) + "</svg>\n";
}

}  // namespace modlr::report
