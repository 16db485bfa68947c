// SVG plots: ticks, escaping, and the elements each plot must contain.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/report/svg_plot.h"
#include "test_support.h"

namespace mr = modlr::report;

using modlr::testing::count;

TEST(SvgPlot, NiceTicks) {
  EXPECT_EQ(mr::nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
  EXPECT_EQ(mr::nice_ticks(1, 10, 6), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  const auto t = mr::nice_ticks(0.81, 0.87);
  EXPECT_LE(t.front(), 0.81);
  EXPECT_GE(t.back(), 0.87);
  EXPECT_NEAR(t[1] - t[0], 0.02, 1e-12);   // 0.06 / 5 = 0.012 rounds up to 2 x 0.01
  const auto flat = mr::nice_ticks(5, 5);  // a constant series still gets an axis
  EXPECT_LT(flat.front(), 5);
  EXPECT_GT(flat.back(), 5);
}

TEST(SvgPlot, EscapesText) {
  EXPECT_EQ(mr::escape_xml("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  mr::LinePlot plot{"<script>", "epoch", "acc", {{"x&y", "#000", {1, 2}, {0.5, 0.6}}}};
  const auto svg = mr::line_plot_svg(plot);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("x&amp;y"), std::string::npos);
}

TEST(SvgPlot, LinePlotDrawsLinesBandsAndLegend) {
  mr::Series mean{"modlr", "#0072B2", {1, 2, 3}, {0.6, 0.7, 0.8}, {0.55, 0.65, 0.75}, {0.65, 0.75, 0.85}};
  mr::Series seed{"seed 1", "#0072B2", {1, 2, 3}, {0.6, 0.7, 0.8}, {}, {}, 1, 0.35, false};
  const auto svg = mr::line_plot_svg({"train accuracy", "epoch", "accuracy", {seed, mean}});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_EQ(count(svg, "<polygon"), 1u);  // the band
  EXPECT_NE(svg.find(">modlr</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">seed 1</text>"), std::string::npos);  // not in the legend
  EXPECT_NE(svg.find(">train accuracy</text>"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  mr::Series bad{"bad", "#000", {1, 2}, {1}};
  EXPECT_THROW(mr::line_plot_svg({"t", "x", "y", {bad}}), modlr::Error);
}

TEST(SvgPlot, BoxPlotShowsEveryValue) {
  const auto svg = mr::box_plot_svg(
      {"training time", "seconds", {{"modlr", "#0072B2", {10, 11, 12, 13, 30}}, {"pytorch", "#D55E00", {20}}}});
  EXPECT_EQ(count(svg, "<circle"), 6u);
  EXPECT_EQ(count(svg, "fill=\"none\" stroke=\"#0072B2\""), 1u);  // 30 is beyond 1.5 IQR
  EXPECT_NE(svg.find(">pytorch</text>"), std::string::npos);
  EXPECT_THROW(mr::box_plot_svg({"t", "s", {{"empty", "#000", {}}}}), modlr::Error);
}

TEST(SvgPlot, BarChartGroupsBarsByCategory) {
  mr::BarChart chart{"test accuracy",
                     "accuracy",
                     {{"lenet5 / mnist", {{"modlr", "#0072B2", 0.98, 0.01}, {"pytorch", "#D55E00", 0.97, 0}}},
                      {"mlp / mnist", {{"modlr", "#0072B2", 0.95, 0.002}}}}};
  const auto svg = mr::bar_chart_svg(chart);
  EXPECT_EQ(count(svg, "<rect x="), 3u + 2u);    // 3 bars + 2 legend swatches
  EXPECT_EQ(count(svg, "stroke=\"#222\""), 2u);  // error bars where error > 0
  EXPECT_NE(svg.find(">0.98</text>"), std::string::npos);
  EXPECT_NE(svg.find(">mlp / mnist</text>"), std::string::npos);
}
