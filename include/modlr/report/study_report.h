#pragma once
/// The page of a hyper-parameter study (`modlr report STUDY_DIR --out DIR`; tune/study.h),
/// self-contained like the comparison report (html_report.h): each searched parameter
/// against the objective (complete trials filled, pruned ones hollow at the last value they
/// reported; log_uniform parameters on a log10 axis, categorical ones by choice index), every
/// trial's validation curve (pruned ones thin and dashed), the best trial's training and
/// validation curves per seed, and the table of trials, best first. No torch here.
#include <string>

namespace modlr::report {

/// Throws modlr::Error naming the study's database when it is missing or not a study.
std::string study_report_html(const std::string& study_dir, const std::string& title);

}  // namespace modlr::report
