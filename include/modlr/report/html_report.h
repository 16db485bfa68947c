#pragma once
/// The `modlr report` page (no torch): one self-contained HTML document, no scripts and
/// no network fetches (plots are inline SVG from svg_plot.h, styles inline). Sections:
///  - per workload: training and validation curves (accuracy and loss per epoch; each
///    group's mean over seeds with a min-max band, each seed as a thin line) and box
///    plots of training and inference seconds per group;
///  - the headline test metric (accuracy, or R^2 for regression) per workload and group
///    as a bar chart with +-1 standard deviation;
///  - the comparison tables (compare/format.h) and notes;
///  - every run's environment (versions, device, threads, CPU, commit) and results.
#include <string>
#include <vector>

#include "modlr/compare/comparison.h"
#include "modlr/compare/run_group.h"

namespace modlr::report {

/// The pages' shared stylesheet (CSS text).
const char* report_style();
/// One table row of escaped cells, each in `tag` ("td" or "th").
std::string table_row(const std::vector<std::string>& cells, const char* tag = "td");

/// The report page for `groups` (labelled, non-empty) and their comparison.
std::string html_report(const std::vector<compare::RunGroup>& groups, const compare::Comparison& comparison,
                        const std::string& title);

}  // namespace modlr::report
