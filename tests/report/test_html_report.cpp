// The report page: sections, self-containment (no scripts, no fetches), escaping.
#include <gtest/gtest.h>

#include "../compare/fake_runs.h"
#include "modlr/report/html_report.h"
#include "test_support.h"

namespace mc = modlr::compare;
namespace mt = modlr::testing;

using modlr::testing::count;

TEST(HtmlReport, HasEverySectionAndIsSelfContained) {
  mt::TempDir dir;
  mt::write_fake_group(dir.file("a"), false, 0.85, 10);
  mt::write_fake_group(dir.file("b"), true, 0.86, 12);
  mt::FakeRun mlp;  // another data set: its own section, not tested against the others
  mlp.model = "mlp";
  mlp.data = "../shared/data/mnist";
  mt::write_fake_run(dir.file("c"), mlp);
  const auto groups = mc::load_groups({"modlr <fast>=" + dir.file("a"), dir.file("b"), dir.file("c")});
  const auto html = modlr::report::html_report(groups, mc::compare_groups(groups, false), "LeNet & MLP");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>LeNet &amp; MLP</title>"), std::string::npos);
  for (const char* needle :
       {"<h2>fashion-mnist: training curves", "<h2>mnist: training curves", "pytorch, model=lenet5",
        ">train accuracy</text>", ">train loss</text>", ">training time</text>", ">inference time (test set)</text>",
        ">test accuracy per workload</text>", "per-group statistics", "Mann-Whitney U", "normalised DTW",
        "Runs and environment", "not tested against each other", "modlr &lt;fast&gt;", "Fake CPU", "reference-python"})
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  EXPECT_EQ(count(html, "<svg "),
            2u * (2 + 2) + 1);  // per workload 2 curves + 2 boxes; 1 bar chart
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  EXPECT_EQ(count(html, "http"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  // Rows: 3 groups; 5 metrics x 3 groups; 5 tests (a vs b only); 1 DTW pair; 11 runs.
  EXPECT_EQ(count(html, "<tr><td>"), 3u + 15 + 5 + 1 + 11);
}
